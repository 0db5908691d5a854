import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isPlanFeature, planFeatureNames } from "./plan-features.js";

const doc = readFileSync(new URL("../../../../docs/plans.md", import.meta.url), "utf8");

describe("plan features", () => {
  it("are the features docs/plans.md lists, in the same order", () => {
    const section = doc.slice(doc.indexOf("## Features"), doc.indexOf("## Managing plans"));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` /gm)].map((match) => match[1]);
    expect(documented).toEqual(planFeatureNames);
  });

  it("recognise only their own names", () => {
    expect(planFeatureNames.every(isPlanFeature)).toBe(true);
    for (const name of ["", "*", "Routing_Explain", "constructor", "__proto__", "toString"]) {
      expect(isPlanFeature(name), name).toBe(false);
    }
  });
});
