import { describe, expect, it } from "vitest";
import type { CounterState } from "../store/shared-state.js";
import { formatReset, limitOutcome, monthWindow, planCharges } from "./limit-plan.js";

const noOrg = { rpm: null, tpm: null, monthlyBudgetUsd: null };
const key = { id: "k1", orgId: "o1", rpm: null, tpm: null, monthlyBudgetUsd: null };
const now = Date.UTC(2026, 11, 2, 19, 30);

describe("planCharges", () => {
  it("charges nothing when no limit applies", () => {
    expect(planCharges({ key, org: noOrg, constraints: null }, { tokens: 10, costMicroUsd: 5 }, now)).toEqual(
      [],
    );
  });

  it("charges one request, the token estimate and the spend estimate against the key's limits", () => {
    const charges = planCharges(
      { key: { ...key, rpm: 5, tpm: 1000, monthlyBudgetUsd: 2.5 }, org: noOrg, constraints: null },
      { tokens: 120, costMicroUsd: 300 },
      now,
    );
    expect(charges.map(({ kind, id, limit, amount }) => ({ kind, id, limit, amount }))).toEqual([
      { kind: "requests", id: "key:k1:requests", limit: 5, amount: 1 },
      { kind: "tokens", id: "key:k1:tokens", limit: 1000, amount: 120 },
      { kind: "spend", id: "key:k1:spend", limit: 2_500_000, amount: 300 },
    ]);
    expect(charges[2]?.window).toEqual({ kind: "fixed", period: "2026-12", endsAtMs: Date.UTC(2027, 0, 1) });
  });

  it("merges the file's org limits and the org's constraints over one counter at the tighter limit", () => {
    const charges = planCharges(
      {
        key,
        org: { rpm: 100, tpm: 5000, monthlyBudgetUsd: 10 },
        constraints: {
          maxRequestsPerMinute: 40,
          maxTokensPerWindow: 9000,
          tokenWindowSeconds: null,
          costLimitMonthlyUsd: 20,
        },
      },
      { tokens: 1, costMicroUsd: 1 },
      now,
    );
    expect(charges.map(({ id, limit }) => [id, limit])).toEqual([
      ["org:o1:requests", 40],
      ["org:o1:tokens", 5000],
      ["org:o1:spend", 10_000_000],
    ]);
  });

  it("keeps a constraint's own token window apart from the per-minute one", () => {
    const charges = planCharges(
      {
        key,
        org: { ...noOrg, tpm: 5000 },
        constraints: {
          maxRequestsPerMinute: null,
          maxTokensPerWindow: 100_000,
          tokenWindowSeconds: 3600,
          costLimitMonthlyUsd: null,
        },
      },
      { tokens: 7, costMicroUsd: null },
      now,
    );
    expect(charges.map(({ id, window }) => [id, window])).toEqual([
      ["org:o1:tokens", { kind: "sliding", ms: 60_000 }],
      ["org:o1:tokens:3600000", { kind: "sliding", ms: 3_600_000 }],
    ]);
  });
});

describe("limitOutcome", () => {
  const planned = planCharges(
    { key: { ...key, rpm: 5, tpm: 1000 }, org: { ...noOrg, rpm: 3 }, constraints: null },
    { tokens: 100, costMicroUsd: null },
    now,
  );
  const state = (id: string, limit: number, used: number, resetMs = 0): CounterState => ({
    id,
    limit,
    used,
    resetMs,
  });

  it("names the tightest limit of each kind in the headers", () => {
    const outcome = limitOutcome(
      planned,
      [state("key:k1:requests", 5, 1), state("key:k1:tokens", 1000, 100), state("org:o1:requests", 3, 2)],
      null,
    );
    expect(outcome.refusal).toBeNull();
    expect(outcome.headers).toEqual({
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "1",
      "x-ratelimit-reset-requests": "0s",
      "x-ratelimit-limit-tokens": "1000",
      "x-ratelimit-remaining-tokens": "900",
      "x-ratelimit-reset-tokens": "0s",
    });
  });

  it("refuses with the refused counter's wait in whole seconds and remaining 0", () => {
    const refused = [state("org:o1:requests", 3, 3, 12_300)];
    const outcome = limitOutcome(
      planned,
      [state("key:k1:requests", 5, 1), state("key:k1:tokens", 1000, 0), ...refused],
      refused,
    );
    expect(outcome.refusal?.kind).toBe("requests");
    expect(outcome.refusal?.retryAfterSeconds).toBe(13);
    expect(outcome.refusal?.message).toContain("organization's limit is 3 requests per minute");
    expect(outcome.headers["x-ratelimit-limit-requests"]).toBe("3");
    expect(outcome.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(outcome.headers["x-ratelimit-reset-requests"]).toBe("13s");
  });

  it("prefers the token refusal over the request one when both did not fit", () => {
    const refused = [state("key:k1:requests", 5, 5, 2000), state("key:k1:tokens", 1000, 950, 30_000)];
    const outcome = limitOutcome(planned, refused, refused);
    expect(outcome.refusal?.kind).toBe("tokens");
    expect(outcome.refusal?.retryAfterSeconds).toBe(30);
  });
});

describe("helpers", () => {
  it("formats resets the way OpenAI does", () => {
    expect([0, 20, 1000, 1001, 61_000, 3_600_000].map(formatReset)).toEqual([
      "0s",
      "20ms",
      "1s",
      "2s",
      "1m1s",
      "1h0m0s",
    ]);
  });

  it("ends December at the first of January, UTC", () => {
    expect(monthWindow(Date.UTC(2026, 11, 31, 23, 59))).toEqual({
      kind: "fixed",
      period: "2026-12",
      endsAtMs: Date.UTC(2027, 0, 1),
    });
  });
});
