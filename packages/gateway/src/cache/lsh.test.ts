import { describe, expect, it } from "vitest";
import { lshBuckets, mulberry32 } from "./lsh.js";
import { cosine } from "./similarity.js";

/** A unit vector at exactly `target` cosine from `base` (both unit), from a random direction. */
function near(base: Float32Array, target: number, random: () => number): Float32Array {
  const noise = Float32Array.from(base, () => random() * 2 - 1);
  let dot = 0;
  for (let index = 0; index < base.length; index++) dot += (noise[index] ?? 0) * (base[index] ?? 0);
  for (let index = 0; index < base.length; index++)
    noise[index] = (noise[index] ?? 0) - dot * (base[index] ?? 0);
  const norm = Math.hypot(...noise);
  const side = Math.sqrt(1 - target * target);
  return Float32Array.from(base, (value, index) => target * value + (side * (noise[index] ?? 0)) / norm);
}

function unit(random: () => number, dimensions: number): Float32Array {
  const vector = Float32Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

function shareRate(target: number, trials = 400): number {
  const random = mulberry32(42);
  let shared = 0;
  for (let trial = 0; trial < trials; trial++) {
    const base = unit(random, 512);
    const other = near(base, target, random);
    expect(cosine(base, other)).toBeCloseTo(target, 3);
    const buckets = new Set(lshBuckets(base));
    if (lshBuckets(other).some((bucket) => buckets.has(bucket))) shared++;
  }
  return shared / trials;
}

describe("LSH buckets", () => {
  it("puts close vectors in a shared bucket and keeps unrelated ones apart (rates in lsh.ts)", () => {
    expect(shareRate(0.95)).toBeGreaterThanOrEqual(0.99);
    expect(shareRate(0.92)).toBeGreaterThanOrEqual(0.96);
    expect(shareRate(0.3)).toBeLessThanOrEqual(0.22);
  });

  it("is the same on every instance: fixed hyperplanes from a seed", () => {
    const vector = unit(mulberry32(7), 512);
    expect(lshBuckets(vector)).toEqual(lshBuckets(Float32Array.from(vector)));
    expect(lshBuckets(vector)).toHaveLength(10);
    expect(lshBuckets(vector)[0]).toMatch(/^b0:[0-9a-f]+$/);
    expect(lshBuckets(vector, { seed: 1 })).not.toEqual(lshBuckets(vector));
  });
});
