import { describe, expect, it } from "vitest";
import { anthropicCallerKey } from "../anthropic-messages/caller-key.js";
import { geminiCallerKey } from "../gemini/caller-key.js";
import { openaiCallerKey } from "../openai-chat/caller-key.js";
import { presentedCallerKey } from "./caller-key.js";

describe("presentedCallerKey", () => {
  it("reads a Bearer key on every protocol", () => {
    for (const presentation of [openaiCallerKey, anthropicCallerKey, geminiCallerKey]) {
      expect(presentedCallerKey(presentation, { authorization: "Bearer fp_a" }, undefined)).toBe("fp_a");
    }
  });

  it("reads each protocol's own header or query parameter, and only its own", () => {
    const headers = { "x-api-key": "fp_anthropic", "x-goog-api-key": "fp_gemini" };
    expect(presentedCallerKey(anthropicCallerKey, headers, undefined)).toBe("fp_anthropic");
    expect(presentedCallerKey(geminiCallerKey, headers, undefined)).toBe("fp_gemini");
    expect(presentedCallerKey(openaiCallerKey, headers, undefined)).toBeNull();
    expect(presentedCallerKey(geminiCallerKey, {}, { key: "fp_query" })).toBe("fp_query");
    expect(presentedCallerKey(anthropicCallerKey, {}, { key: "fp_query" })).toBeNull();
  });

  it("finds no key in an empty or malformed Authorization header", () => {
    expect(presentedCallerKey(openaiCallerKey, { authorization: "" }, undefined)).toBeNull();
    expect(presentedCallerKey(openaiCallerKey, { authorization: "Basic abc" }, undefined)).toBeNull();
    expect(presentedCallerKey(anthropicCallerKey, { "x-api-key": "  " }, undefined)).toBeNull();
  });
});
