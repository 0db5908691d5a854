/**
 * Reads a Llama Guard–style safety model's answer (Llama Guard 3 and 4): a first line `safe` or
 * `unsafe`, and after `unsafe` the violated categories as comma-separated codes (`S1,S10`) on the
 * next line. Whitespace, case and a trailing period are tolerated, as are codes on the same line.
 * Anything else is null: the safety model failed, and `firewall.on_error` decides.
 */

export const LLAMA_GUARD_CATEGORIES: Readonly<Record<string, string>> = {
  S1: "Violent Crimes",
  S2: "Non-Violent Crimes",
  S3: "Sex-Related Crimes",
  S4: "Child Sexual Exploitation",
  S5: "Defamation",
  S6: "Specialized Advice",
  S7: "Privacy",
  S8: "Intellectual Property",
  S9: "Indiscriminate Weapons",
  S10: "Hate",
  S11: "Suicide & Self-Harm",
  S12: "Sexual Content",
  S13: "Elections",
  S14: "Code Interpreter Abuse",
};

export type GuardVerdict =
  | { safe: true }
  | { safe: false; categories: Array<{ code: string; name: string | null }> };

const VERDICT = /^\s*(safe|unsafe)\b[\s.:,-]*([\s\S]*)$/i;
const CODE = /^s\d{1,2}$/i;

export function parseGuardVerdict(text: string): GuardVerdict | null {
  const match = VERDICT.exec(text);
  if (!match) return null;
  const [, word = "", rest = ""] = match;
  if (word.toLowerCase() === "safe") return rest.trim() === "" || rest.trim() === "." ? { safe: true } : null;
  const tokens = rest
    .split(/[\s,.;]+/)
    .map((token) => token.trim())
    .filter((token) => token !== "");
  if (!tokens.every((token) => CODE.test(token))) return null;
  const codes = [...new Set(tokens.map((token) => token.toUpperCase()))];
  return {
    safe: false,
    categories: codes.map((code) => ({ code, name: LLAMA_GUARD_CATEGORIES[code] ?? null })),
  };
}
