/**
 * Server-sent event framing for the fakes: one frame in, the exact bytes a vendor would send out.
 * Knows nothing about what the data means.
 */

export interface SseFrame {
  /** The `event:` line; absent for vendors (OpenAI) that send data lines only. */
  event?: string;
  data: string;
  /** End lines with CRLF, as Google's servers do, instead of LF. */
  crlf?: boolean;
}

export function encodeSseFrame(frame: SseFrame): string {
  const eol = frame.crlf === true ? "\r\n" : "\n";
  // A data value with line breaks needs one `data:` line per line to survive framing.
  const data = frame.data.includes("\n") ? frame.data.split("\n").join(`${eol}data: `) : frame.data;
  return frame.event === undefined
    ? `data: ${data}${eol}${eol}`
    : `event: ${frame.event}${eol}data: ${data}${eol}${eol}`;
}

/** The frame with its data cut in half: a JSON object's proper prefix never parses. */
export function truncatedFrame(frame: SseFrame): SseFrame {
  return { ...frame, data: truncatedText(frame.data) };
}

/** The first half of `text` (at least one character), for malformed-JSON faults. */
export function truncatedText(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
