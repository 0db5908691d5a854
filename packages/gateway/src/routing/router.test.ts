import { describe, expect, it } from "vitest";
import { BreakerBook } from "./breaker-book.js";
import { type CircuitView, decide, lastResortOrder, type Member } from "./router.js";
import type { StrategyInputs } from "./strategies.js";
import { TargetStatisticsBook } from "./target-stats.js";

const strategy: StrategyInputs = {
  random: () => 0.5,
  sequence: 0,
  stats: new TargetStatisticsBook(),
  costPerMillionTokens: () => null,
  exploration: 0,
  successFloor: 0.9,
};

/** Breakers over a clock the test moves: open after 3 failures, 10 s cool-down. */
function clockedBook() {
  let now = 5_000_000;
  const book = new BreakerBook(
    {
      windowMs: 30_000,
      minimumRequests: 3,
      failureRateThreshold: 0.5,
      coolDownMs: 10_000,
      halfOpenProbes: 1,
    },
    () => now,
  );
  const view = (key: string): CircuitView => ({
    state: book.get(key).current(),
    openedSince: book.get(key).openedSince(),
  });
  return { book, view, advance: (ms: number) => (now += ms) };
}

const member = (key: string): Member<string> & { source: "model" | "fallback" } => ({
  key,
  target: key,
  source: "model",
});

const fail = (book: BreakerBook, key: string, times: number) => {
  for (let index = 0; index < times; index++) book.get(key).recordFailure();
};

/** What a request would try, in order: in turn, then the last resorts. */
function plan(view: (key: string) => CircuitView, keys: string[]) {
  const decision = decide({
    rule: null,
    ruleTargets: [],
    requestTargets: keys.map(member),
    strategy,
    circuit: view,
  });
  return { decision, tries: [...decision.order, ...decision.lastResort] };
}

describe("routing decisions over breaker histories", () => {
  it("keeps an open fallback as a last resort instead of dropping it", () => {
    const { book, view } = clockedBook();
    fail(book, "backup/m", 3); // stalls: its circuit opens
    const { decision, tries } = plan(view, ["openai/m", "backup/m"]);
    expect(decision.order).toEqual(["openai/m"]);
    expect(decision.lastResort).toEqual(["backup/m"]);
    expect(tries).toEqual(["openai/m", "backup/m"]);
    expect(decision.candidates[1]).toMatchObject({ skipped: "circuit_open", triedAnyway: false });
    expect(decision.allCircuitsOpen).toBe(false);
  });

  it("opens a consistently failing primary whatever the fallback's state, then tries the older one first", () => {
    const { book, view, advance } = clockedBook();
    fail(book, "backup/m", 3);
    advance(2_000);
    // Every request: the primary fails (its failures count while the fallback is open).
    fail(book, "openai/m", 3);
    expect(view("openai/m").state).toBe("open");
    const allOpen = plan(view, ["openai/m", "backup/m"]);
    expect(allOpen.decision.allCircuitsOpen).toBe(true);
    // The fallback opened longest ago: nearest its cool-down's end, so first.
    expect(allOpen.tries).toEqual(["backup/m", "openai/m"]);
    // It answers: its circuit closes, and the still-open primary is now skipped in its turn.
    book.get("backup/m").recordSuccess();
    expect(plan(view, ["openai/m", "backup/m"]).tries).toEqual(["backup/m", "openai/m"]);
    expect(plan(view, ["openai/m", "backup/m"]).decision.order).toEqual(["backup/m"]);
    // After its cool-down the primary is half-open and back in its turn as a probe.
    advance(10_000);
    expect(plan(view, ["openai/m", "backup/m"]).decision.order).toEqual(["openai/m", "backup/m"]);
  });

  it("orders last resorts: closed since, then half-open, then open by when they opened", () => {
    const view = (state: CircuitView["state"], openedSince: number | null = null): CircuitView => ({
      state,
      openedSince,
    });
    expect(
      lastResortOrder([
        { target: "open-late", circuit: view("open", 300) },
        { target: "open-early", circuit: view("open", 100) },
        { target: "half-a", circuit: view("half_open") },
        { target: "closed", circuit: view("closed") },
        { target: "half-b", circuit: view("half_open") },
        { target: "open-mid", circuit: view("open", 200) },
      ]),
    ).toEqual(["closed", "half-a", "half-b", "open-early", "open-mid", "open-late"]);
  });

  it("keeps unusable members as skipped candidates, never tried, in their place", () => {
    const { view } = clockedBook();
    const decision = decide<string>({
      rule: {
        name: "r",
        strategy: "fallback",
        targets: [
          { model: "gone/x", weight: 1 },
          { model: "backup/m", weight: 1 },
        ],
        retry: { attempts: 0, on: [], backoffMs: 0 },
        timeoutMs: { attempt: null, total: null },
        successFloor: 0.9,
      },
      ruleTargets: [
        { key: "gone/x", target: null, unusable: { reason: "unknown_model", detail: "no gone" }, weight: 1 },
        { key: "backup/m", target: "backup/m", weight: 1 },
      ],
      requestTargets: [
        member("openai/m"),
        {
          key: "mistral-small-latest",
          target: null,
          unusable: { reason: "provider_not_enabled", detail: "mistral is not enabled" },
          source: "model",
        },
      ],
      strategy,
      circuit: view,
    });
    expect(decision.candidates.map((candidate) => [candidate.key, candidate.skipped])).toEqual([
      ["backup/m", null],
      ["gone/x", "unknown_model"],
      ["openai/m", null],
      ["mistral-small-latest", "provider_not_enabled"],
    ]);
    expect(decision.order).toEqual(["backup/m", "openai/m"]);
    expect(decision.lastResort).toEqual([]);
    expect(decision.allCircuitsOpen).toBe(false);
  });
});
