import { describe, expect, it } from "vitest";
import { isRetryableStatus, MAX_RETRY_AFTER_MS, retryAfterMs, retryDelayMs } from "./retry-policy.js";

describe("retry policy", () => {
  it("retries 408, 409, 425, 429 and 5xx only", () => {
    expect([408, 409, 425, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 422].some(isRetryableStatus)).toBe(false);
  });

  it("reads retry-after-ms, Retry-After seconds and an HTTP date", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    const date = new Date(Date.now() + 5000).toUTCString();
    const fromDate = retryAfterMs(new Headers({ "retry-after": date })) ?? 0;
    expect(fromDate).toBeGreaterThan(3000);
    expect(fromDate).toBeLessThanOrEqual(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it("waits what the server asked, up to a minute, else not at all", () => {
    expect(retryDelayMs(0, new Headers({ "retry-after": "1" }))).toBe(1000);
    expect(
      retryDelayMs(0, new Headers({ "retry-after": String(MAX_RETRY_AFTER_MS / 1000 + 1) })),
    ).toBeUndefined();
  });

  it("backs off exponentially with jitter, capped", () => {
    for (let retry = 0; retry < 10; retry++) {
      const delay = retryDelayMs(retry, undefined) ?? -1;
      const full = Math.min(500 * 2 ** retry, 8000);
      expect(delay).toBeGreaterThan(full * 0.75 - 1);
      expect(delay).toBeLessThanOrEqual(full);
    }
  });
});
