/**
 * The prompt text as the semantic tier compares it: Unicode NFKC, lower case, English
 * contractions spelled out, punctuation turned into spaces, whitespace collapsed. Two prompts
 * that differ only in these ways normalise to the same text.
 */

const CONTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\bwon't\b/g, "will not"],
  [/\bcan't\b/g, "can not"],
  [/\bshan't\b/g, "shall not"],
  [/\blet's\b/g, "let us"],
  [/\b(\w+)n't\b/g, "$1 not"],
  [/\b(what|where|who|how|when|why|that|there|here|it|he|she)'s\b/g, "$1 is"],
  [/\b(\w+)'re\b/g, "$1 are"],
  [/\b(\w+)'ve\b/g, "$1 have"],
  [/\b(\w+)'ll\b/g, "$1 will"],
  [/\b(\w+)'d\b/g, "$1 would"],
  [/\bi'm\b/g, "i am"],
];

export function normaliseText(text: string): string {
  let normal = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/gu, "'");
  for (const [pattern, replacement] of CONTRACTIONS) normal = normal.replace(pattern, replacement);
  return normal.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}
