import { describe, expect, it } from "vitest";
import { callerRetryAfterSeconds, parseRetryAfter } from "./retry-after.js";

const now = Date.parse("2026-12-02T10:00:00Z");
const options = { now, maxMs: 60_000 };

describe("parseRetryAfter", () => {
  it.each([
    ["delta-seconds", { "retry-after": "7" }, 7_000],
    ["decimal seconds", { "retry-after": "1.5" }, 1_500],
    ["zero", { "retry-after": "0" }, 0],
    ["an HTTP date 20 s ahead", { "retry-after": "Wed, 02 Dec 2026 10:00:20 GMT" }, 20_000],
    ["an HTTP date in the past", { "retry-after": "Wed, 02 Dec 2026 09:00:00 GMT" }, 0],
    ["retry-after-ms", { "retry-after-ms": "250" }, 250],
    ["retry-after-ms over retry-after", { "retry-after-ms": "250", "retry-after": "9" }, 250],
    ["an unusable retry-after-ms, then retry-after", { "retry-after-ms": "soon", "retry-after": "2" }, 2_000],
    ["the first of repeated headers", { "retry-after": ["3", "9"] }, 3_000],
  ])("reads %s", (_name, headers, expected) => {
    expect(parseRetryAfter(headers, options)).toBe(expected);
  });

  it.each([
    ["a day", { "retry-after": "86400" }],
    ["a far HTTP date", { "retry-after": "Fri, 31 Dec 9999 23:59:59 GMT" }],
    ["a huge retry-after-ms", { "retry-after-ms": "999999999" }],
    ["a number too large for a double", { "retry-after": "9".repeat(400) }],
  ])("clamps %s to the maximum", (_name, headers) => {
    expect(parseRetryAfter(headers, options)).toBe(60_000);
  });

  it.each([
    ["absent", {}],
    ["negative", { "retry-after": "-1" }],
    ["negative ms", { "retry-after-ms": "-5" }],
    ["garbage", { "retry-after": "soon-ish" }],
    ["empty", { "retry-after": "" }],
    ["infinity", { "retry-after": "Infinity" }],
    ["hex", { "retry-after": "0x10" }],
    ["an impossible date", { "retry-after": "Foo, 99 Bar 2026 99:99:99 GMT" }],
  ])("ignores %s", (_name, headers) => {
    expect(parseRetryAfter(headers, options)).toBeNull();
  });
});

describe("callerRetryAfterSeconds", () => {
  const limits = { maxSeconds: 60, fallbackSeconds: 1 };
  it("rounds up to whole seconds within the maximum", () => {
    expect(callerRetryAfterSeconds(1_200, limits)).toBe(2);
    expect(callerRetryAfterSeconds(0, limits)).toBe(0);
    expect(callerRetryAfterSeconds(10_000_000, limits)).toBe(60);
    expect(callerRetryAfterSeconds(-50, limits)).toBe(0);
  });

  it("falls back when the provider gave nothing usable", () => {
    expect(callerRetryAfterSeconds(null, limits)).toBe(1);
  });
});
