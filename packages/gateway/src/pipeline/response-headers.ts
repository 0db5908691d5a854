/**
 * The headers every response carries (INTERFACE.md "Response headers"), errors included. Before a
 * target is known, provider and model read `none`.
 *
 * Values that come from configuration or callers (a model name) are made header-safe here, once,
 * for every writer: Node throws on a character it cannot put in a header, and a throw while
 * writing the head would leave the caller without an answer.
 */
import type { RequestContext } from "./request-context.js";

export function floopyHeaders(context: RequestContext): Record<string, string> {
  const answered = context.upstream?.target;
  const cached = context.cache?.hit;
  const target = answered
    ? { provider: answered.provider.id, model: answered.model }
    : (cached ?? lastAttemptTarget(context));
  const headers: Record<string, string> = {
    "floopy-request-id": context.id,
    "x-request-id": context.id,
    "floopy-provider": headerSafe(target?.provider ?? "none"),
    "floopy-model": headerSafe(target?.model ?? "none"),
    "floopy-fallback-used": String(fallbackUsed(context)),
    ...context.limitHeaders,
  };
  // Whenever the cache was consulted: HIT-EXACT, HIT-SEMANTIC or MISS.
  if (context.cache !== null) headers["floopy-cache-status"] = context.cache.status;
  return headers;
}

// What Node writes as-is: visible ASCII and space. Tabs and Latin-1 are legal too, but a client
// may read them differently; anything else (CR, LF, NUL, beyond Latin-1) makes Node throw.
const UNSAFE = /[^\x20-\x7e]/u;
const UNSAFE_EACH = /[^\x20-\x7e]/gu;

/**
 * A header value that cannot split or break a header: characters outside printable ASCII are
 * percent-encoded as UTF-8 (`日本` reads `%E6%97%A5%E6%9C%AC`; a lone surrogate reads as U+FFFD),
 * so a CR or LF can never start a new header line.
 */
export function headerSafe(value: string): string {
  if (!UNSAFE.test(value)) return value;
  return value.replace(UNSAFE_EACH, (character) =>
    Array.from(
      Buffer.from(character, "utf8"),
      (byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    ).join(""),
  );
}

/**
 * Whether a target other than the primary answered: one tried later, or one that answered first
 * because the primary was skipped (its circuit open).
 */
export function fallbackUsed(context: RequestContext): boolean {
  const upstream = context.upstream;
  if (!upstream) return false;
  if (upstream.targetIndex > 0) return true;
  const primary = context.decision?.candidates[0]?.target;
  return primary !== undefined && primary !== upstream.target;
}

function lastAttemptTarget(context: RequestContext): { provider: string; model: string } | undefined {
  const attempt = context.attempts.at(-1);
  return attempt ? { provider: attempt.provider, model: attempt.model } : undefined;
}
