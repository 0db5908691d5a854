/**
 * Deterministic token arithmetic for the fakes: an estimate of about four characters per token,
 * and the token-like pieces a stream sends. Not a tokenizer; tests need stable numbers, not
 * accurate ones.
 */

const CHARACTERS_PER_TOKEN = 4;

/** ceil(length / 4), at least 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARACTERS_PER_TOKEN));
}

/** `text` cut to what `maxTokens` tokens hold, never inside a surrogate pair. */
export function truncateToTokens(text: string, maxTokens: number): string {
  return sliceWhole(text, 0, maxTokens * CHARACTERS_PER_TOKEN);
}

/** Word pieces that keep their trailing spaces, so joining them gives `text` back. */
export function splitWords(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/** Pieces of at most `size` UTF-16 units, never splitting a surrogate pair. */
export function splitFixed(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    const piece = sliceWhole(text, start, start + size);
    // A lone pair that does not fit `size` still has to move forward.
    const taken = piece.length > 0 ? piece : text.slice(start, start + 2);
    pieces.push(taken);
    start += taken.length;
  }
  return pieces;
}

function sliceWhole(text: string, start: number, end: number): string {
  if (end >= text.length) return text.slice(start);
  const last = text.charCodeAt(end - 1);
  // A high surrogate at the cut would leave half a character behind.
  const cut = last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
  return text.slice(start, cut);
}
