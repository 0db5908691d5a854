import { describe, expect, it } from "vitest";
import { estimateTokens, splitFixed, splitWords, truncateToTokens } from "./tokens.js";

describe("tokens", () => {
  it("estimates ceil(length / 4), at least 1", () => {
    expect([estimateTokens(""), estimateTokens("abcd"), estimateTokens("abcde")]).toEqual([1, 1, 2]);
  });

  it("splits words keeping every character", () => {
    expect(splitWords("  a  b c ")).toEqual(["  ", "a  ", "b ", "c "]);
    expect(splitWords("")).toEqual([]);
    expect(splitWords("你好 🌍🚀").join("")).toBe("你好 🌍🚀");
  });

  it("never splits a surrogate pair", () => {
    expect(truncateToTokens("abc🌍", 1)).toBe("abc");
    expect(splitFixed("a🌍b", 2)).toEqual(["a", "🌍", "b"]);
    expect(splitFixed("🌍", 1)).toEqual(["🌍"]);
  });
});
