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
  let result = redactKnownSecrets(text, knownSecrets);
  for (const shape of credentialShapes) {
    result = result.replace(shape, (_match, scheme?: string) =>
      typeof scheme === "string" && /^bearer$/i.test(scheme) ? `${scheme} [REDACTED]` : "[REDACTED]",
    );
  }
  return result;
}

/** Only the known secrets, without the shape patterns: cheap enough for every frame of a stream. */
export function redactKnownSecrets(text: string, knownSecrets: readonly string[]): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 6 && result.includes(secret)) result = result.split(secret).join("[REDACTED]");
  }
  return result;
}

const REDACTED = Buffer.from("[REDACTED]");

// The gateway's own list of secrets is one array for its whole life: its bytes are made once,
// not on every answer and every stream.
const secretBytes = new WeakMap<readonly string[], Buffer[]>();

/** Secrets short enough to match by accident are left alone, as in `redactSecrets`. */
function usableSecrets(secrets: readonly string[]): Buffer[] {
  let bytes = secretBytes.get(secrets);
  if (bytes === undefined) {
    bytes = secrets.filter((secret) => secret.length >= 6).map((secret) => Buffer.from(secret));
    secretBytes.set(secrets, bytes);
  }
  return bytes;
}

/**
 * `bytes` with every known secret replaced; the same buffer, uncopied, when it holds none (the
 * usual case, so relaying an upstream's answer stays zero-copy).
 */
export function redactSecretBytes(bytes: Buffer, knownSecrets: readonly string[]): Buffer {
  return replaceAll(bytes, usableSecrets(knownSecrets));
}

function replaceAll(bytes: Buffer, secrets: readonly Buffer[]): Buffer {
  let result = bytes;
  for (const secret of secrets) {
    let at = result.indexOf(secret);
    if (at === -1) continue;
    const pieces: Buffer[] = [];
    let from = 0;
    while (at !== -1) {
      pieces.push(result.subarray(from, at), REDACTED);
      from = at + secret.length;
      at = result.indexOf(secret, from);
    }
    pieces.push(result.subarray(from));
    result = Buffer.concat(pieces);
  }
  return result;
}

/** Redacts known secrets from a byte stream whose chunks may split a secret anywhere. */
export interface StreamRedactor {
  /**
   * The bytes to send now. The chunk itself when it holds no secret and does not end with the
   * start of one; otherwise a copy, minus a held-back tail that could be a secret's beginning.
   */
  push(chunk: Buffer): Buffer;
  /** The held-back tail (empty when none), to send before anything else or at the end. */
  flush(): Buffer;
}

export function createStreamRedactor(knownSecrets: readonly string[]): StreamRedactor {
  const secrets = usableSecrets(knownSecrets);
  let held: Buffer | null = null;
  return {
    push(chunk) {
      const data = held === null ? chunk : Buffer.concat([held, chunk]);
      held = null;
      const clean = replaceAll(data, secrets);
      const keep = heldBackLength(clean, secrets);
      if (keep === 0) return clean;
      // A copy, so the tail does not pin the whole upstream chunk in memory.
      held = Buffer.from(clean.subarray(clean.length - keep));
      return clean.subarray(0, clean.length - keep);
    },
    flush() {
      const rest = held ?? Buffer.alloc(0);
      held = null;
      return rest;
    },
  };
}

/** Length of the longest suffix of `data` that is a proper prefix of some secret. */
function heldBackLength(data: Buffer, secrets: readonly Buffer[]): number {
  let longest = 0;
  for (const secret of secrets) {
    const firstByte = secret[0] as number;
    // Earliest candidate first: it gives the longest suffix.
    let at = data.indexOf(firstByte, Math.max(0, data.length - secret.length + 1));
    while (at !== -1) {
      const suffix = data.length - at;
      if (suffix <= longest) break;
      if (data.subarray(at).equals(secret.subarray(0, suffix))) {
        longest = suffix;
        break;
      }
      at = data.indexOf(firstByte, at + 1);
    }
  }
  return longest;
}
