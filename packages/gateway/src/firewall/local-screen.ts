/**
 * The firewall's local tier: what can be recognised in the prompt text itself, in microseconds,
 * before any model is asked. Curated pattern families (docs/firewall.md lists them): prompt
 * injection (instructions to drop the system prompt or reveal it, role-override markers),
 * jailbreaks (DAN, "no restrictions" role play), credentials (provider API keys, cloud and code
 * host tokens, PEM private keys) and, when asked, PII (e-mail, phone, card numbers that pass
 * Luhn, US SSNs, IBANs that pass mod 97). Every pattern is linear-time: no nested quantifiers, so
 * a hostile prompt cannot make screening slow. A verdict never quotes what it matched.
 */

export type LocalCategory = "prompt_injection" | "jailbreak" | "secret" | "pii";

export interface PiiFinding {
  kind: "email" | "phone" | "card" | "ssn" | "iban";
  start: number;
  end: number;
}

export type LocalVerdict =
  | { action: "allow" }
  | { action: "block"; category: LocalCategory; rule: string; detail: string }
  | { action: "redact"; findings: PiiFinding[] };

interface Rule {
  name: string;
  pattern: RegExp;
  detail: string;
}

const SECRETS: readonly Rule[] = [
  {
    name: "anthropic_key",
    pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/,
    detail: "an Anthropic API key",
  },
  {
    name: "openai_key",
    pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/,
    detail: "an OpenAI-style API key",
  },
  {
    name: "google_key",
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/,
    detail: "a Google API key",
  },
  { name: "groq_key", pattern: /\bgsk_[A-Za-z0-9]{20,}/, detail: "a Groq API key" },
  { name: "xai_key", pattern: /\bxai-[A-Za-z0-9]{20,}/, detail: "an xAI API key" },
  {
    name: "aws_access_key",
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
    detail: "an AWS access key id",
  },
  {
    name: "github_token",
    pattern: /\b(?:ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})/,
    detail: "a GitHub token",
  },
  { name: "slack_token", pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/, detail: "a Slack token" },
  { name: "floopy_key", pattern: /\bfp_[A-Za-z0-9_]{16,}/, detail: "a Floopy gateway key" },
  {
    name: "private_key",
    pattern: /-----BEGIN [A-Z ]{0,24}PRIVATE KEY-----/,
    detail: "a PEM private key",
  },
];

const INJECTIONS: readonly Rule[] = [
  {
    name: "ignore_instructions",
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+|these\s+|those\s+)?(?:previous|prior|above|earlier|preceding|original|initial|system)\s+(?:instructions?|prompts?|rules|directions|directives|guidelines|messages?)\b/i,
    detail: "an instruction to ignore the previous instructions",
  },
  {
    name: "reveal_system_prompt",
    pattern:
      /\b(?:reveal|print|show|repeat|output|display|leak|dump|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+(?:(?:full|entire|whole|initial|original|hidden|secret)\s+)?(?:system\s+prompt|system\s+message|(?:initial|original|hidden|secret)\s+(?:instructions|prompt))\b/i,
    detail: "a request to reveal the system prompt",
  },
  {
    name: "developer_mode",
    pattern:
      /\b(?:you\s+are\s+now\s+in|enter|enable|activate)\s+(?:developer|debug|god|admin|sudo)\s+mode\b/i,
    detail: "a switch into an unrestricted mode",
  },
  {
    name: "role_marker",
    pattern:
      /<\|im_start\|>\s*system|<\|start_header_id\|>\s*system|(?:^|\n)[ \t]*#{2,}[ \t]*(?:system|new instructions)[ \t]*:/i,
    detail: "a role-override marker",
  },
  {
    name: "new_instructions",
    pattern: /\bnew\s+instructions\s*:/i,
    detail: "injected new instructions",
  },
];

const JAILBREAKS: readonly Rule[] = [
  { name: "dan", pattern: /\bdo\s+anything\s+now\b/i, detail: "the DAN jailbreak" },
  {
    name: "jailbreak_mode",
    pattern:
      /\b(?:enter|activate|enable)\s+jailbreak\b|\bjailbreak\s+mode\b|\byou\s+are\s+(?:now\s+)?jailbroken\b/i,
    detail: "a jailbreak mode",
  },
  {
    name: "no_restrictions",
    pattern:
      /\bpretend\s+(?:that\s+)?you\s+(?:have|had|are)\s+(?:no|without|free\s+of)\s+(?:any\s+)?(?:restrictions|filters|limits|rules|guidelines)\b/i,
    detail: "role play without restrictions",
  },
  {
    name: "no_ethics",
    pattern:
      /\b(?:without|ignoring|free\s+of)\s+(?:any\s+|all\s+)?(?:your\s+)?(?:ethical|moral|safety|content)\s+(?:guidelines|restrictions|filters|limitations|policies|rules)\b/i,
    detail: "a request to drop safety guidelines",
  },
  {
    name: "unfiltered_ai",
    pattern: /\b(?:act|behave|respond)\s+as\s+(?:an?\s+)?(?:unfiltered|uncensored|unrestricted|amoral)\b/i,
    detail: "an unfiltered persona",
  },
  {
    name: "stay_in_character",
    pattern: /\bstay\s+in\s+character\s+no\s+matter\s+what\b/i,
    detail: "a persona lock",
  },
];

/**
 * One regex per category, the rules as named alternatives: the engine scans the text once per
 * category instead of once per rule (bench/firewall-local.ts: about 9 µs per KiB of clean prompt).
 */
function combined(rules: readonly Rule[], flags: string): { pattern: RegExp; rules: readonly Rule[] } {
  const source = rules.map((rule, index) => `(?<r${index}>${rule.pattern.source})`).join("|");
  return { pattern: new RegExp(source, flags), rules };
}

const CATEGORIES: ReadonlyArray<[LocalCategory, { pattern: RegExp; rules: readonly Rule[] }]> = [
  // Credentials are case-sensitive (AKIA…, sk-…); the prose families are not.
  ["secret", combined(SECRETS, "")],
  ["prompt_injection", combined(INJECTIONS, "i")],
  ["jailbreak", combined(JAILBREAKS, "i")],
];

export function screenText(text: string, options: { pii: "off" | "block" | "redact" }): LocalVerdict {
  for (const [category, { pattern, rules }] of CATEGORIES) {
    const match = pattern.exec(text);
    if (!match) continue;
    const index = rules.findIndex((_, at) => match.groups?.[`r${at}`] !== undefined);
    const rule = rules[index] ?? rules[0];
    if (rule) return { action: "block", category, rule: rule.name, detail: rule.detail };
  }
  if (options.pii === "off") return { action: "allow" };
  const findings = findPii(text);
  if (findings.length === 0) return { action: "allow" };
  if (options.pii === "redact") return { action: "redact", findings };
  const kinds = [...new Set(findings.map((finding) => finding.kind))].join(", ");
  return {
    action: "block",
    category: "pii",
    rule: `pii_${findings[0]?.kind ?? "unknown"}`,
    detail: `personal data (${kinds})`,
  };
}

const REDACTION: Record<PiiFinding["kind"], string> = {
  email: "[REDACTED_EMAIL]",
  phone: "[REDACTED_PHONE]",
  card: "[REDACTED_CARD]",
  ssn: "[REDACTED_SSN]",
  iban: "[REDACTED_IBAN]",
};

export function redactPii(text: string): { text: string; findings: PiiFinding[] } {
  const findings = findPii(text);
  if (findings.length === 0) return { text, findings };
  let out = "";
  let at = 0;
  for (const finding of findings) {
    out += text.slice(at, finding.start) + REDACTION[finding.kind];
    at = finding.end;
  }
  return { text: out + text.slice(at), findings };
}

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g;
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
// International numbers start with +; national ones must look like the US 3-3-4 grouping. A bare
// run of digits, or groups of four (card-like, IBAN-like), is an id, not a phone number.
const PHONE =
  /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){1,2}(?:[ .-]?\d{2,4}){1,4}(?![\w])|(?<![\w+])(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w])/g;

/** PII spans in text order, without overlaps (a card is not also a phone number). */
function findPii(text: string): PiiFinding[] {
  const found: PiiFinding[] = [];
  const take = (kind: PiiFinding["kind"], pattern: RegExp, accept: (match: string) => boolean) => {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (!accept(match[0])) continue;
      if (found.some((other) => start < other.end && other.start < end)) continue;
      found.push({ kind, start, end });
    }
  };
  take("card", CARD, (match) => luhn(match.replace(/\D/g, "")));
  take("ssn", SSN, () => true);
  take("iban", IBAN, (match) => ibanValid(match.replace(/ /g, "")));
  if (!/\d|@/.test(text)) return found;
  take("email", EMAIL, () => true);
  take("phone", PHONE, (match) => {
    const digits = match.replace(/\D/g, "").length;
    return digits >= 10 && digits <= 15;
  });
  return found.sort((a, b) => a.start - b.start);
}

function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function ibanValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const value = /\d/.test(character) ? character : String(character.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}
