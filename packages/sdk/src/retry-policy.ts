/**
 * When a failed call is tried again, and after how long. The statuses are INTERFACE.md's
 * (408, 409, 425, 429, 5xx); network errors and timeouts are retried too, as the official
 * `openai` client does. The server's `retry-after-ms` or `Retry-After` (seconds or an HTTP date)
 * wins when it asks for at most a minute; otherwise the wait is an exponential backoff with
 * jitter so that many clients failing together do not come back together.
 */

/** The longest server-asked wait the SDK sleeps through; beyond it the error goes to the caller. */
export const MAX_RETRY_AFTER_MS = 60_000;
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** The wait the server asked for, in milliseconds, or undefined when it asked for none readable. */
export function retryAfterMs(headers: Headers): number | undefined {
  const milliseconds = headers.get("retry-after-ms");
  if (milliseconds !== null && milliseconds.trim() !== "") {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get("retry-after");
  if (retryAfter === null || retryAfter.trim() === "") return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

/**
 * How long to wait before retry number `retry` (0 for the first). Undefined means "do not retry":
 * the server asked for a longer wait than the SDK will sleep through.
 */
export function retryDelayMs(retry: number, headers: Headers | undefined): number | undefined {
  const asked = headers ? retryAfterMs(headers) : undefined;
  if (asked !== undefined) return asked <= MAX_RETRY_AFTER_MS ? asked : undefined;
  const backoff = Math.min(INITIAL_BACKOFF_MS * 2 ** retry, MAX_BACKOFF_MS);
  // Up to a quarter shorter, at random.
  return backoff * (1 - Math.random() * 0.25);
}
