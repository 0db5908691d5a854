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
  | {
      action: "allow";
    }
  | {
      action: "block";
      category: LocalCategory;
      rule: string;
      detail: string;
    }
  | {
      action: "redact";
      findings: PiiFinding[];
    };
export declare function screenText(
  text: string,
  options: {
    pii: "off" | "block" | "redact";
  },
): LocalVerdict;
export declare function redactPii(text: string): {
  text: string;
  findings: PiiFinding[];
};
