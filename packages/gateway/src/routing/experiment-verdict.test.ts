import { describe, expect, it } from "vitest";
import { experimentVerdict, MIN_SAMPLES, normalCdf } from "./experiment-verdict.js";

describe("experimentVerdict", () => {
  it("names no winner before each variant has enough requests", () => {
    expect(
      experimentVerdict({ requests: MIN_SAMPLES - 1, successes: 0 }, { requests: 500, successes: 500 })
        .winner,
    ).toBe(null);
  });

  it("names the variant whose success rate is significantly higher", () => {
    const verdict = experimentVerdict({ requests: 200, successes: 150 }, { requests: 200, successes: 190 });
    expect(verdict.winner).toBe("B");
    expect(verdict.pValue).toBeLessThan(0.001);
    expect(
      experimentVerdict({ requests: 200, successes: 190 }, { requests: 200, successes: 150 }).winner,
    ).toBe("A");
  });

  it("says tie only when the difference is known to be small, null while it is merely unclear", () => {
    expect(experimentVerdict({ requests: 40, successes: 40 }, { requests: 40, successes: 40 }).winner).toBe(
      "tie",
    );
    expect(experimentVerdict({ requests: 50, successes: 45 }, { requests: 50, successes: 46 }).winner).toBe(
      null,
    );
    expect(
      experimentVerdict({ requests: 50_000, successes: 45_000 }, { requests: 50_000, successes: 45_050 })
        .winner,
    ).toBe("tie");
  });

  it("computes the normal CDF to the precision the test needs", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
  });
});
