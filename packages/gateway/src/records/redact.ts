/**
 * Secret redaction, applied at the one place records and error bodies are built: known secrets
 * (provider keys, the caller's gateway key) are replaced wherever they appear, and anything shaped
 * like a bearer credential is masked as a second line of defence.
 */

const credentialShapes = [
  /\bfp_[A-Za-z0-9_-]{12,}/g,
  /\bsk-[A-Za-z0-9_*-]{12,}/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{12,}/gi,
];

export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 6 && result.includes(secret)) result = result.split(secret).join("[REDACTED]");
  }
  for (const shape of credentialShapes) {
    result = result.replace(shape, (_match, scheme?: string) =>
      typeof scheme === "string" && /^bearer$/i.test(scheme) ? `${scheme} [REDACTED]` : "[REDACTED]",
    );
  }
  return result;
}
