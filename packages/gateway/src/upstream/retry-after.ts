/**
 * The one reading of a provider's "wait before retrying" headers for the whole gateway: OpenAI's
 * `retry-after-ms`, then `Retry-After` as delta-seconds or an HTTP date. Providers send decimals,
 * negative numbers, garbage and dates far in the future, so every value is validated and clamped
 * here, once: dispatch's retry wait and the caller's `Retry-After` both come from this.
 * Pure: the clock is an argument.
 */

export type RetryAfterHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface RetryAfterOptions {
  /** Epoch milliseconds, for HTTP dates. */
  now: number;
  /** The longest wait honoured; longer values are cut to this. */
  maxMs: number;
}

/** Milliseconds the provider asks for, clamped to [0, maxMs]; null when absent or unusable. */
export function parseRetryAfter(headers: RetryAfterHeaders, options: RetryAfterOptions): number | null {
  const ms = milliseconds(first(headers["retry-after-ms"]));
  const wait = ms ?? retryAfterValue(first(headers["retry-after"]), options.now);
  return wait === null ? null : Math.min(Math.max(0, wait), options.maxMs);
}

/**
 * The `Retry-After` a caller gets, in whole seconds within [0, maxSeconds]. A 429 always carries
 * one: without a usable value from upstream the caller is told to wait `fallbackSeconds`.
 */
export function callerRetryAfterSeconds(
  waitMs: number | null,
  options: { maxSeconds: number; fallbackSeconds: number },
): number {
  const seconds = waitMs === null ? options.fallbackSeconds : Math.ceil(waitMs / 1000);
  return Math.min(Math.max(0, seconds), options.maxSeconds);
}

const DECIMAL = /^\s*\d+(?:\.\d+)?\s*$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function milliseconds(value: string | undefined): number | null {
  // Digits only, so Number() is never NaN; a value too long for a double is Infinity, then clamped.
  return value === undefined || !DECIMAL.test(value) ? null : Number(value);
}

function retryAfterValue(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  if (DECIMAL.test(value)) return Number(value) * 1000;
  // Date.parse accepts bare numbers ("-1" is the year -1): a date must at least name its month.
  if (!/[A-Za-z]{3}/.test(value)) return null;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}
