import { describe, expect, it } from "vitest";
import { cachePolicy } from "./cache-policy.js";

const scope = { orgId: "acme", rule: null };

describe("cache policy", () => {
  it("is off unless the config or a header turns it on", () => {
    expect(cachePolicy({}, undefined, scope)).toBeNull();
    expect(cachePolicy({ "floopy-cache": "semantic" }, undefined, scope)?.mode).toBe("semantic");
    expect(cachePolicy({ "floopy-cache-enabled": "true" }, undefined, scope)?.mode).toBe("exact");
    expect(cachePolicy({ "floopy-cache-enabled": "false" }, { enabled: true }, scope)).toBeNull();
  });

  it("layers the global, org and rule settings, headers last", () => {
    const config = {
      enabled: false,
      ttl_seconds: 60,
      orgs: { acme: { enabled: true, mode: "semantic" as const } },
      rules: { fast: { ttl_seconds: 5 } },
    };
    expect(cachePolicy({}, config, scope)).toMatchObject({ mode: "semantic", ttlMs: 60_000 });
    expect(cachePolicy({}, config, { orgId: "acme", rule: "fast" })).toMatchObject({ ttlMs: 5_000 });
    expect(cachePolicy({ "cache-control": "max-age=7" }, config, scope)).toMatchObject({
      ttlMs: 7_000,
      store: true,
    });
    expect(cachePolicy({}, config, { orgId: "other", rule: null })).toBeNull();
  });

  it("reads Cache-Control, buckets, seeds and ignored keys", () => {
    const on = { enabled: true };
    expect(cachePolicy({ "cache-control": "no-store" }, on, scope)).toMatchObject({
      store: false,
      lookup: true,
    });
    expect(cachePolicy({ "cache-control": "no-cache, max-age=0" }, on, scope)).toMatchObject({
      store: false,
      lookup: false,
    });
    expect(
      cachePolicy(
        {
          "floopy-cache-bucket-max-size": "3",
          "floopy-cache-seed": "a",
          "floopy-cache-ignore-keys": " temperature , top_p",
        },
        on,
        scope,
      ),
    ).toMatchObject({
      bucketSize: 3,
      seed: "a",
      ignoreKeys: ["temperature", "top_p"],
    });
  });

  it("names the header it cannot read", () => {
    for (const [name, value] of [
      ["floopy-cache", "fuzzy"],
      ["floopy-cache-enabled", "yes please"],
      ["floopy-cache-bucket-max-size", "0"],
      ["floopy-cache-bucket-max-size", "101"],
      ["cache-control", "max-age=soon"],
    ] as const) {
      expect(() => cachePolicy({ [name]: value }, { enabled: true }, scope), name).toThrow(/400|:/);
    }
  });
});
