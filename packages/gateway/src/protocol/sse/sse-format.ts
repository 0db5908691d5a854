/** SSE frame serialisation: the inverse of the parser, one frame at a time. */

export function formatSseFrame(data: string, event?: string): string {
  const prefix = event === undefined ? "" : `event: ${event}\n`;
  if (!data.includes("\n")) return `${prefix}data: ${data}\n\n`;
  return `${prefix}${data
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n")}\n\n`;
}
