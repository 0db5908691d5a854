import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.js";
import { constraintsWire, parseConstraintsBody } from "./constraints.js";

function refusal(body: unknown): GatewayError {
  try {
    parseConstraintsBody(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe("parseConstraintsBody", () => {
  it("takes the four values, null or absent clearing each", () => {
    expect(
      parseConstraintsBody({
        cost_limit_monthly_usd: 12.5,
        token_window_seconds: 60,
        max_tokens_per_window: 10_000,
        max_requests_per_minute: null,
      }),
    ).toEqual({
      costLimitMonthlyUsd: 12.5,
      tokenWindowSeconds: 60,
      maxTokensPerWindow: 10_000,
      maxRequestsPerMinute: null,
    });
    expect(constraintsWire(parseConstraintsBody({ max_requests_per_minute: 5 }))).toEqual({
      cost_limit_monthly_usd: null,
      token_window_seconds: null,
      max_tokens_per_window: null,
      max_requests_per_minute: 5,
    });
  });

  it("refuses unknown keys, wrong types and values that are not positive, naming the field", () => {
    const cases: Array<[unknown, string]> = [
      [{ max_requests_per_min: 5 }, "max_requests_per_min"],
      [{ cost_limit_monthly_usd: 0 }, "cost_limit_monthly_usd"],
      [{ cost_limit_monthly_usd: "10" }, "cost_limit_monthly_usd"],
      [{ token_window_seconds: 1.5 }, "token_window_seconds"],
      [{ max_tokens_per_window: -1 }, "max_tokens_per_window"],
      [{ max_requests_per_minute: 2 ** 40 }, "max_requests_per_minute"],
    ];
    for (const [body, field] of cases) {
      const error = refusal(body);
      expect(error.code, JSON.stringify(body)).toBe("invalid_body");
      expect(error.param).toBe(field);
      expect(error.message).toContain(field);
    }
    expect(refusal([1]).message).toContain("JSON object");
    expect(refusal(null).code).toBe("invalid_body");
  });
});
