/**
 * Small pure helpers over canonical content that several codecs need: tool-call arguments as a
 * JSON value, a tool result as plain text, an image URL that may be a data URL.
 */
import type { ImagePart, TextPart, ToolResultPart } from "./types.js";

/**
 * The arguments of a tool call as a JSON value, for protocols that carry an object (Anthropic's
 * `input`, Gemini's `args`). Text that is not JSON becomes `{}`, with a warning when asked for one.
 */
export function toolArgumentsValue(text: string, warnings?: string[]): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    warnings?.push("tool call arguments were not valid JSON; sent as an empty object");
    return {};
  }
}

/** A tool result's text: the string itself, or its text parts joined (images are not text). */
export function toolResultText(content: ToolResultPart["content"]): string {
  if (typeof content === "string") return content;
  return content
    .filter((part): part is TextPart => part.type === "text")
    .map((part) => part.text)
    .join("");
}

/** An image URL as a canonical source: `data:<type>;base64,…` becomes inline bytes. */
export function imageSourceOf(url: string): ImagePart["source"] {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { kind: "base64", mediaType: match[1], data: match[2] };
  }
  return { kind: "url", url };
}
