import { describe, expect, it } from "vitest";
import { orderTargets, type RuleTarget, type StrategyInputs } from "./strategies.js";
import { TargetStatisticsBook } from "./target-stats.js";

/** A small deterministic PRNG (mulberry32), so distributions are reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const targets: RuleTarget[] = [
  { key: "openai/gpt-4o-mini", weight: 70 },
  { key: "anthropic/claude-haiku-4-5", weight: 20 },
  { key: "google/gemini-2.5-flash", weight: 10 },
];

function inputs(overrides: Partial<StrategyInputs> = {}): StrategyInputs {
  return {
    random: seeded(42),
    sequence: 0,
    stats: new TargetStatisticsBook(),
    costPerMillionTokens: () => null,
    exploration: 0,
    successFloor: 0.9,
    ...overrides,
  };
}

const first = (strategy: Parameters<typeof orderTargets>[0], given: StrategyInputs) =>
  orderTargets(strategy, targets, given)[0]?.target.key;

describe("routing strategies", () => {
  it("fallback keeps the rule's order", () => {
    expect(orderTargets("fallback", targets, inputs()).map((entry) => entry.target.key)).toEqual(
      targets.map((target) => target.key),
    );
  });

  it("round robin rotates the starting target with each request", () => {
    const starts = [0, 1, 2, 3, 4].map((sequence) => first("round_robin", inputs({ sequence })));
    expect(starts).toEqual([
      targets[0]?.key,
      targets[1]?.key,
      targets[2]?.key,
      targets[0]?.key,
      targets[1]?.key,
    ]);
    // The rest of the order is the fallback chain after the start.
    expect(
      orderTargets("round_robin", targets, inputs({ sequence: 1 })).map((entry) => entry.target.key),
    ).toEqual([targets[1]?.key, targets[2]?.key, targets[0]?.key]);
  });

  it("weighted sends traffic in proportion to the weights", () => {
    const random = seeded(7);
    const counts = new Map<string, number>();
    const draws = 20_000;
    for (let index = 0; index < draws; index++) {
      const key = first("weighted", inputs({ random })) ?? "";
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect((counts.get("openai/gpt-4o-mini") ?? 0) / draws).toBeCloseTo(0.7, 1);
    expect((counts.get("anthropic/claude-haiku-4-5") ?? 0) / draws).toBeCloseTo(0.2, 1);
    expect((counts.get("google/gemini-2.5-flash") ?? 0) / draws).toBeCloseTo(0.1, 1);
    // Every target still appears in the order, as fallbacks.
    expect(orderTargets("weighted", targets, inputs())).toHaveLength(3);
  });

  it("latency based moves traffic away from a slowed target and back after it recovers", () => {
    const stats = new TargetStatisticsBook();
    const random = seeded(3);
    const latency = new Map([
      ["openai/gpt-4o-mini", 100],
      ["anthropic/claude-haiku-4-5", 300],
      ["google/gemini-2.5-flash", 500],
    ]);
    const route = (rounds: number) => {
      const counts = new Map<string, number>();
      for (let index = 0; index < rounds; index++) {
        const key = first("latency_based", inputs({ stats, random, exploration: 0.1 })) ?? "";
        counts.set(key, (counts.get(key) ?? 0) + 1);
        stats.recordOutcome(key, { ok: true, latencyMs: latency.get(key) ?? 0 });
      }
      return counts;
    };
    expect(route(200).get("openai/gpt-4o-mini") ?? 0).toBeGreaterThan(150);
    latency.set("openai/gpt-4o-mini", 2_000); // the fast target slows down
    const slowed = route(300);
    expect(slowed.get("anthropic/claude-haiku-4-5") ?? 0).toBeGreaterThan(
      slowed.get("openai/gpt-4o-mini") ?? 0,
    );
    latency.set("openai/gpt-4o-mini", 50); // and recovers: exploration notices, the average follows
    route(500);
    const recovered = route(100);
    expect(recovered.get("openai/gpt-4o-mini") ?? 0).toBeGreaterThan(85);
  });

  it("latency based explores another target, never the one already first, at the exploration share", () => {
    const stats = new TargetStatisticsBook();
    stats.recordOutcome("openai/gpt-4o-mini", { ok: true, latencyMs: 100 });
    stats.recordOutcome("anthropic/claude-haiku-4-5", { ok: true, latencyMs: 300 });
    stats.recordOutcome("google/gemini-2.5-flash", { ok: true, latencyMs: 500 });
    const random = seeded(11);
    let explored = 0;
    const draws = 20_000;
    for (let index = 0; index < draws; index++) {
      if (first("latency_based", inputs({ stats, random, exploration: 0.05 })) !== "openai/gpt-4o-mini")
        explored++;
    }
    expect(explored / draws).toBeCloseTo(0.05, 2);
  });

  it("smart cost picks the cheapest target that keeps the success floor", () => {
    const stats = new TargetStatisticsBook();
    const prices: Record<string, number> = {
      "openai/gpt-4o-mini": 0.4,
      "anthropic/claude-haiku-4-5": 2,
      "google/gemini-2.5-flash": 0.2,
    };
    const given = () => inputs({ stats, costPerMillionTokens: (key) => prices[key] ?? null });
    expect(first("smart_cost", given())).toBe("google/gemini-2.5-flash");
    for (let index = 0; index < 5; index++) {
      stats.recordOutcome("google/gemini-2.5-flash", { ok: false, latencyMs: 10 });
    }
    expect(first("smart_cost", given())).toBe("openai/gpt-4o-mini");
  });

  it("feedback driven ranks like latency until feedback exists, then by feedback per cost", () => {
    const stats = new TargetStatisticsBook();
    stats.recordOutcome("openai/gpt-4o-mini", { ok: true, latencyMs: 400 });
    stats.recordOutcome("anthropic/claude-haiku-4-5", { ok: true, latencyMs: 100 });
    stats.recordOutcome("google/gemini-2.5-flash", { ok: true, latencyMs: 900 });
    const prices: Record<string, number> = {
      "openai/gpt-4o-mini": 1,
      "anthropic/claude-haiku-4-5": 1,
      "google/gemini-2.5-flash": 1,
    };
    const given = () => inputs({ stats, costPerMillionTokens: (key) => prices[key] ?? null });
    expect(first("feedback_driven", given())).toBe("anthropic/claude-haiku-4-5");
    stats.recordFeedback("google/gemini-2.5-flash", 1);
    stats.recordFeedback("anthropic/claude-haiku-4-5", 0.2);
    expect(first("feedback_driven", given())).toBe("google/gemini-2.5-flash");
  });
});
