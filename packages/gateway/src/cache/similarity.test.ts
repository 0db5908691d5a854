import { describe, expect, it } from "vitest";
import { conversationSimilarity, cosine, turnWeights } from "./similarity.js";

const v = (...values: number[]) => Float32Array.from(values);

describe("similarity", () => {
  it("is the cosine, and 0 for mismatched or zero vectors", () => {
    expect(cosine(v(1, 0), v(1, 0))).toBe(1);
    expect(cosine(v(1, 0), v(0, 1))).toBe(0);
    expect(cosine(v(1, 1), v(2, 2))).toBeCloseTo(1, 6);
    expect(cosine(v(1, 0), v(1, 0, 0))).toBe(0);
    expect(cosine(v(0, 0), v(1, 0))).toBe(0);
  });

  it("weighs the last user turn most and reports the least similar turn", () => {
    expect(turnWeights(["system", "user", "assistant", "user"])).toEqual([1, 1.5, 1, 3]);
    const same = [v(1, 0), v(0, 1)];
    const lastDiffers = [v(1, 0), v(1, 0)];
    expect(conversationSimilarity(same, same, [1, 3])).toEqual({ score: 1, minimum: 1 });
    expect(conversationSimilarity(same, lastDiffers, [1, 3])).toEqual({ score: 0.25, minimum: 0 });
    expect(conversationSimilarity(same, [v(1, 0)], [1])).toEqual({ score: 0, minimum: 0 });
  });
});
