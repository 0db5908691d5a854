import { describe, expect, it } from "vitest";
import { embedText, LOCAL_EMBEDDER_DIMENSIONS } from "./local-embedder.js";
import { normaliseText } from "./normalise-text.js";
import { cosine } from "./similarity.js";

const similarity = (a: string, b: string) => cosine(embedText(a), embedText(b));

describe("local embedder", () => {
  it("normalises case, punctuation, contractions and Unicode forms", () => {
    expect(normaliseText("  What's   the CAPITAL of France?! ")).toBe("what is the capital of france");
    expect(normaliseText("ﬁne — don’t")).toBe("fine do not");
  });

  it("scores rewordings that keep the words as near-identical", () => {
    expect(similarity("What is the capital of France?", "what's the capital of France")).toBeGreaterThan(
      0.98,
    );
    expect(
      similarity("How do I reverse a list in Python?", "how to reverse a list in python"),
    ).toBeGreaterThan(0.92);
    expect(similarity("Reverse a Python list, please.", "reverse a python list")).toBeGreaterThan(0.92);
  });

  it("keeps different questions that share their structure below the default threshold", () => {
    expect(similarity("What is the capital of France?", "What is the capital of Germany?")).toBeLessThan(
      0.85,
    );
    expect(similarity("How do I reverse a list in Python?", "How do I sort a list in Python?")).toBeLessThan(
      0.85,
    );
    expect(similarity("What is the capital of France?", "My cat refuses to eat her dinner.")).toBeLessThan(
      0.3,
    );
  });

  it("is deterministic, unit length, and zero for empty text", () => {
    const vector = embedText("lighthouse keeper");
    expect(vector).toHaveLength(LOCAL_EMBEDDER_DIMENSIONS);
    expect(embedText("lighthouse keeper")).toEqual(vector);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    expect(embedText("?!").every((value) => value === 0)).toBe(true);
  });
});
