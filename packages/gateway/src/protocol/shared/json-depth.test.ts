import { describe, expect, it } from "vitest";
import { jsonDepthExceeds } from "./json-depth.js";

const bytes = (text: string) => Buffer.from(text);

describe("JSON depth", () => {
  it("counts nesting outside strings only", () => {
    expect(jsonDepthExceeds(bytes('{"a":[{"b":1}]}'), 3)).toBe(false);
    expect(jsonDepthExceeds(bytes('{"a":[{"b":[1]}]}'), 3)).toBe(true);
    expect(jsonDepthExceeds(bytes(`{"a":"${"[".repeat(100)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(bytes('{"a":"\\"[[[[[["}'), 2)).toBe(false);
    expect(jsonDepthExceeds(bytes("[".repeat(65) + "]".repeat(65)), 64)).toBe(true);
  });
});
