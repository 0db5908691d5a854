/**
 * Values a caller gives that Floopy echoes — into response headers (`Floopy-Model`), upstream URLs
 * (Gemini's model is a path segment), records and exports — must not carry control characters:
 * a CR or LF there could split a header, and a NUL truncates in C-backed stores. They are refused
 * with a 400 naming the field before anything is sent upstream. A tab is allowed (HTTP allows it
 * in a header value).
 */
import { GatewayError } from "../errors/gateway-error.js";

const TAB = 0x09;
const DELETE = 0x7f;

export function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if ((code < 0x20 && code !== TAB) || code === DELETE) return true;
  }
  return false;
}

/** Throws a 400 naming `field` when `value` holds a control character. */
export function refuseControlCharacters(value: string, field: string): void {
  if (!hasControlCharacter(value)) return;
  throw new GatewayError(
    "BAD_REQUEST",
    `Invalid value for '${field}': it contains a control character (CR, LF, NUL or another below U+0020).`,
    { param: field },
  );
}
