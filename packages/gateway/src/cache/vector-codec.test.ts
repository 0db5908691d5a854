import { describe, expect, it } from "vitest";
import { embedText } from "./local-embedder.js";
import { cosine } from "./similarity.js";
import { decodeVector, encodeVector } from "./vector-codec.js";

describe("vector codec", () => {
  it("round-trips a vector within the quantisation's error", () => {
    const a = embedText("How do I reverse a list in Python?");
    const b = embedText("how to reverse a list in python");
    const decoded = decodeVector(encodeVector(a));
    expect(decoded).toHaveLength(a.length);
    expect(cosine(a, decoded ?? new Float32Array(0))).toBeGreaterThan(0.995);
    expect(Math.abs(cosine(decodeVector(encodeVector(b)) ?? b, a) - cosine(a, b))).toBeLessThan(0.01);
  });

  it("refuses what is not a stored vector", () => {
    expect(decodeVector("")).toBeNull();
    expect(decodeVector("not base64!")).toBeNull();
  });
});
