import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from "./heap-growth.js";

describe("heapGrowthFlag", () => {
  it("caps V8's heap growth when the operator did not choose", () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(["--enable-source-maps", "--max-old-space-size=512"])).toBe(
      "--heap-growing-percent=100",
    );
  });

  it("leaves an operator's own choice alone, however it is spelt", () => {
    expect(heapGrowthFlag(["--heap-growing-percent=0"])).toBeNull();
    expect(heapGrowthFlag(["--heap-growing-percent", "50"])).toBeNull();
    expect(heapGrowthFlag(["--heap_growing_percent=300"])).toBeNull();
  });

  it("does not mistake a longer flag for it", () => {
    expect(heapGrowthFlag(["--heap-growing-percentage=5"])).not.toBeNull();
  });
});
