/**
 * Cost of a request from its usage and a price table. Lookup: exact `provider/model`, then the bare
 * model, then the longest catalogued prefix (dated snapshots such as `gpt-4o-mini-2024-07-18`).
 */
import type { Usage } from "../canonical/types.js";
import type { ModelConfig } from "../config/config-schema.js";
import { type ModelPrice, shippedPrices } from "./pricing-table.js";

export class PriceBook {
  private readonly prices = new Map<string, ModelPrice>();
  private readonly memo = new Map<string, ModelPrice | null>();

  constructor(overrides: Readonly<Record<string, ModelConfig>> = {}) {
    for (const [name, price] of Object.entries(shippedPrices)) this.prices.set(name, price);
    for (const [name, entry] of Object.entries(overrides)) {
      if (!entry.pricing) continue;
      const price: ModelPrice = { input: entry.pricing.input, output: entry.pricing.output };
      if (entry.pricing.cached_input !== undefined) price.cachedInput = entry.pricing.cached_input;
      this.prices.set(name, price);
    }
  }

  price(provider: string, model: string): ModelPrice | undefined {
    const key = `${provider}/${model}`;
    const memoised = this.memo.get(key);
    if (memoised !== undefined) return memoised ?? undefined;
    const found = this.lookup(provider, model);
    if (this.memo.size < 10_000) this.memo.set(key, found ?? null);
    return found;
  }

  /** USD, or null when the model has no known price. */
  /**
   * USD per million tokens with input and output weighted 3:1 (a typical chat request reads about
   * three times what it writes), for comparing targets by cost; null when the price is unknown.
   */
  blendedPerMillion(provider: string, model: string): number | null {
    const price = this.price(provider, model);
    return price ? (3 * price.input + price.output) / 4 : null;
  }

  cost(provider: string, model: string, usage: Usage): number | null {
    const price = this.price(provider, model);
    if (!price) return null;
    const cached = Math.min(usage.cachedTokens, usage.promptTokens);
    const uncached = usage.promptTokens - cached;
    const micro =
      uncached * price.input +
      cached * (price.cachedInput ?? price.input) +
      usage.completionTokens * price.output;
    return micro / 1_000_000;
  }

  private lookup(provider: string, model: string): ModelPrice | undefined {
    const exact = this.prices.get(`${provider}/${model}`) ?? this.prices.get(model);
    if (exact) return exact;
    let best: { length: number; price: ModelPrice } | undefined;
    for (const [name, price] of this.prices) {
      const slash = name.indexOf("/");
      const nameProvider = slash > 0 ? name.slice(0, slash) : undefined;
      const nameModel = slash > 0 ? name.slice(slash + 1) : name;
      if (nameProvider !== undefined && nameProvider !== provider) continue;
      if (model.startsWith(`${nameModel}-`) && (!best || nameModel.length > best.length)) {
        best = { length: nameModel.length, price };
      }
    }
    return best?.price;
  }
}
