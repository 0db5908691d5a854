import { describe, expect, it } from "vitest";
import { PriceBook } from "./pricing.js";

const usage = {
  promptTokens: 1_000_000,
  completionTokens: 1_000_000,
  totalTokens: 2_000_000,
  cachedTokens: 0,
  reasoningTokens: 0,
};

describe("price book", () => {
  it("prices by provider/model, dated snapshots by their base model, cached tokens at the cached price", () => {
    const prices = new PriceBook();
    expect(prices.cost("openai", "gpt-4o-mini", usage)).toBeCloseTo(0.75);
    expect(prices.cost("openai", "gpt-4o-mini-2024-07-18", usage)).toBeCloseTo(0.75);
    expect(prices.cost("openai", "gpt-4o-mini", { ...usage, cachedTokens: 500_000 })).toBeCloseTo(
      0.075 * 0.5 + 0.15 * 0.5 + 0.6,
    );
    expect(prices.cost("vllm", "unknown", usage)).toBeNull();
  });

  it("lets config override and extend prices", () => {
    const prices = new PriceBook({
      "openai/gpt-4o-mini": { pricing: { input: 1, output: 2 } },
      "llama-3.1-8b": { pricing: { input: 0.01, output: 0.02 } },
    });
    expect(prices.cost("openai", "gpt-4o-mini", usage)).toBeCloseTo(3);
    expect(prices.cost("vllm", "llama-3.1-8b", usage)).toBeCloseTo(0.03);
  });
});
