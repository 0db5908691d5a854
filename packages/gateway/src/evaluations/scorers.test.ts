import { describe, expect, it } from "vitest";
import { checkScorer, itemScore, judgeScore, localScore } from "./scorers.js";

describe("scorers", () => {
  it("score exact, contains (case-sensitive), json_valid and regex as 1 or 0", () => {
    expect(localScore("exact", "  Paris \n", "Paris")).toBe(1);
    expect(localScore("exact", "Paris, France", "Paris")).toBe(0);
    expect(localScore("contains", "It is Paris.", "Paris")).toBe(1);
    expect(localScore("contains", "It is paris.", "Paris")).toBe(0);
    expect(localScore("json_valid", '{"a":1}', null)).toBe(1);
    expect(localScore("json_valid", "{a:1}", null)).toBe(0);
    expect(localScore("regex:^\\d{3}$", "123", null)).toBe(1);
    expect(localScore("regex:^\\d{3}$", "1234", null)).toBe(0);
  });

  it("score null without an expected value, and compare structured expectations as JSON", () => {
    expect(localScore("exact", "x", null)).toBe(null);
    expect(localScore("exact", '{"a":1}', { a: 1 })).toBe(1);
  });

  it("refuse unknown scorers and broken patterns, read the judge's grade", () => {
    expect(checkScorer("regex:(")).toContain("not a valid regular expression");
    expect(checkScorer("bleu")).toContain("unknown scorer");
    expect(checkScorer("regex:a+")).toBe(null);
    expect(judgeScore("8")).toBe(0.8);
    expect(judgeScore("Score: 10/10")).toBe(1);
    expect(judgeScore("great")).toBe(null);
    expect(judgeScore("42")).toBe(null);
    expect(itemScore([1, null, 0])).toBe(0.5);
    expect(itemScore([null])).toBe(null);
  });
});
