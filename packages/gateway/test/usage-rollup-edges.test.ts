/**
 * `GET /v1/usage` reads whole hours from the rollup only when it asks with the rollup's latency
 * edges (store/sql/usage-rollup.ts); were the two lists to drift apart, every usage answer would
 * quietly fall back to scanning the records. They must stay one list.
 */
import { describe, expect, it } from "vitest";
import { LATENCY_EDGES_MS } from "../src/platform/usage.js";
import { ROLLUP_LATENCY_EDGES_MS } from "../src/store/sql/usage-rollup.js";

describe("usage latency edges", () => {
  it("are the rollup's", () => {
    expect(LATENCY_EDGES_MS).toEqual(ROLLUP_LATENCY_EDGES_MS);
  });
});
