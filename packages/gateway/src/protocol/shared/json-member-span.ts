/**
 * Where a top-level member's value sits in the bytes of a JSON object, so a pass-through body can
 * have one value replaced (or a member added) by splicing bytes instead of parsing and
 * re-serialising the whole body. Strings, the bulk of large bodies (base64 images), are skipped
 * with `indexOf`, never walked byte by byte.
 *
 * The answer must agree with `JSON.parse` on what the upstream will read, or a caller could send
 * one model past the gateway's checks and another to the provider. So a name that occurs twice
 * (`JSON.parse` keeps the last, other parsers the first), a key written with escapes that decode
 * to the name, and anything the scanner does not expect all answer `"unsure"`: the caller then
 * re-serialises the parsed body.
 */

export type MemberSpan =
  /** The member's value occupies bytes [start, end); `open` is the index of the object's `{`. */
  | { kind: "found"; start: number; end: number; open: number }
  | { kind: "absent"; open: number }
  | { kind: "unsure" };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const UNSURE: MemberSpan = { kind: "unsure" };

export function jsonMemberSpan(bytes: Uint8Array, name: string): MemberSpan {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = skipSpace(buffer, 0);
  if (buffer[at] !== 0x7b) return UNSURE;
  const open = at;
  at = skipSpace(buffer, at + 1);
  let found: { start: number; end: number } | undefined;
  if (buffer[at] === 0x7d) return { kind: "absent", open };
  for (;;) {
    if (buffer[at] !== QUOTE) return UNSURE;
    const keyEnd = stringEnd(buffer, at);
    if (keyEnd === -1) return UNSURE;
    const key = buffer.toString("latin1", at + 1, keyEnd);
    // An escaped key may decode to the name; rare enough to give up on.
    if (key.includes("\\")) return UNSURE;
    at = skipSpace(buffer, keyEnd + 1);
    if (buffer[at] !== 0x3a) return UNSURE;
    const start = skipSpace(buffer, at + 1);
    const end = valueEnd(buffer, start);
    if (end === -1) return UNSURE;
    if (key === name) {
      if (found) return UNSURE;
      found = { start, end };
    }
    at = skipSpace(buffer, end);
    if (buffer[at] === 0x2c) {
      at = skipSpace(buffer, at + 1);
      continue;
    }
    if (buffer[at] !== 0x7d) return UNSURE;
    return found ? { kind: "found", ...found, open } : { kind: "absent", open };
  }
}

function skipSpace(buffer: Buffer, at: number): number {
  let index = at;
  for (;;) {
    const byte = buffer[index];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return index;
    index++;
  }
}

/** Index of the quote closing the string that opens at `at`, or -1. */
function stringEnd(buffer: Buffer, at: number): number {
  let end = buffer.indexOf(QUOTE, at + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (buffer[end - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = buffer.indexOf(QUOTE, end + 1);
  }
  return -1;
}

/** Index just past the value that starts at `at`, or -1. */
function valueEnd(buffer: Buffer, at: number): number {
  const first = buffer[at];
  if (first === undefined) return -1;
  if (first === QUOTE) {
    const end = stringEnd(buffer, at);
    return end === -1 ? -1 : end + 1;
  }
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let index = at; index < buffer.length; index++) {
      const byte = buffer[index];
      if (byte === QUOTE) {
        index = stringEnd(buffer, index);
        if (index === -1) return -1;
      } else if (byte === 0x7b || byte === 0x5b) depth++;
      else if (byte === 0x7d || byte === 0x5d) {
        depth--;
        if (depth === 0) return index + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let index = at;
  for (;;) {
    const byte = buffer[index];
    if (byte === undefined) return -1;
    if (byte === 0x2c || byte === 0x7d || byte === 0x5d || byte <= 0x20) return index;
    index++;
  }
}
