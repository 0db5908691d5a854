import { describe, expect, it } from "vitest";
import { parseGuardVerdict } from "./guard-verdict.js";

describe("Llama Guard verdicts", () => {
  it("reads safe and unsafe with categories, tolerating layout", () => {
    expect(parseGuardVerdict("safe")).toEqual({ safe: true });
    expect(parseGuardVerdict("  Safe.\n")).toEqual({ safe: true });
    expect(parseGuardVerdict("unsafe\nS1,S10")).toEqual({
      safe: false,
      categories: [
        { code: "S1", name: "Violent Crimes" },
        { code: "S10", name: "Hate" },
      ],
    });
    expect(parseGuardVerdict("UNSAFE: s9")).toEqual({
      safe: false,
      categories: [{ code: "S9", name: "Indiscriminate Weapons" }],
    });
    expect(parseGuardVerdict("unsafe\nS99")).toEqual({
      safe: false,
      categories: [{ code: "S99", name: null }],
    });
    expect(parseGuardVerdict("unsafe")).toEqual({ safe: false, categories: [] });
  });

  it("is null for anything else", () => {
    for (const text of [
      "",
      "I cannot help with that",
      "safe but maybe not",
      "unsafe\nviolence",
      "unsafely",
    ]) {
      expect(parseGuardVerdict(text), text).toBeNull();
    }
  });
});
