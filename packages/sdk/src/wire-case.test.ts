import { describe, expect, it } from "vitest";
import { camelToSnake, FLAT, fromWire, snakeToCamel, toWire } from "./wire-case.js";

describe("wire case", () => {
  it("round-trips the contract's field names", () => {
    for (const name of [
      "variant_a_routing_rule_id",
      "checksum_sha256",
      "latency_p50_ms",
      "average_cost_micro_usd",
      "next_cursor",
      "score",
    ]) {
      expect(camelToSnake(snakeToCamel(name))).toBe(name);
    }
    expect(snakeToCamel("variant_a_routing_rule_id")).toBe("variantARoutingRuleId");
  });

  it("converts known shapes only, never user data", () => {
    const wire = {
      request_id: "r",
      properties: { team_name: "x" },
      usage: { input_tokens: 1 },
      candidates: [{ tried_anyway: true, detail: { some_key: 1 } }],
    };
    expect(fromWire(wire, { usage: FLAT, candidates: FLAT })).toEqual({
      requestId: "r",
      properties: { team_name: "x" },
      usage: { inputTokens: 1 },
      candidates: [{ triedAnyway: true, detail: { some_key: 1 } }],
    });
  });

  it("snake-cases outgoing known shapes and drops undefined", () => {
    expect(
      toWire(
        { datasetId: "d", promptId: undefined, config: { maxCostUsd: 1, scorers: ["json_valid"] } },
        { config: FLAT },
      ),
    ).toEqual({ dataset_id: "d", config: { max_cost_usd: 1, scorers: ["json_valid"] } });
    expect(toWire({ defaults: { userName: "x" } })).toEqual({ defaults: { userName: "x" } });
  });
});
