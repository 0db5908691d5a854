import { describe, expect, it } from "vitest";
import { type ExactKeyInput, exactCacheKey, stableStringify } from "./cache-key.js";

const base: Omit<ExactKeyInput, "body"> = {
  orgId: "acme",
  projectId: "search",
  protocol: "openai-chat",
  route: "generate",
  model: "gpt-4o-mini",
  routingRule: null,
  ignoreKeys: [],
  seed: null,
};
const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], temperature: 0.2 };
const key = (changes: Partial<typeof base> = {}, bodyChanges: Record<string, unknown> = {}) =>
  exactCacheKey({ ...base, ...changes, body: { ...body, ...bodyChanges } });

describe("exact cache key", () => {
  it("serialises with sorted keys at every depth, arrays in order", () => {
    expect(stableStringify({ b: 1, a: { d: [2, 1], c: null }, e: undefined })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
  });

  it("does not change with key order, user, metadata, the stream flag or store", () => {
    const reordered = exactCacheKey({
      ...base,
      body: { temperature: 0.2, messages: body.messages, model: "x" },
    });
    expect(reordered).toBe(key());
    expect(
      key(
        {},
        {
          user: "u",
          metadata: { a: "b" },
          stream: true,
          stream_options: { include_usage: true },
          store: true,
        },
      ),
    ).toBe(key());
  });

  it("changes with every field that changes the answer, the tenant, the model and the seed", () => {
    const keys = [
      key(),
      key({}, { temperature: 0.3 }),
      key({}, { max_tokens: 10 }),
      key({}, { tools: [{ type: "function", function: { name: "f" } }] }),
      key({}, { response_format: { type: "json_object" } }),
      key({}, { seed: 1 }),
      key({}, { messages: [{ role: "user", content: "hello" }] }),
      key({ orgId: "other" }),
      key({ projectId: null }),
      key({ model: "gpt-4o" }),
      key({ seed: "s" }),
      key({ routingRule: "fast" }),
      key({ protocol: "anthropic-messages" }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("leaves out what Floopy-Cache-Ignore-Keys names", () => {
    expect(key({ ignoreKeys: ["temperature"] }, { temperature: 0.9 })).toBe(
      key({ ignoreKeys: ["temperature"] }),
    );
  });
});
