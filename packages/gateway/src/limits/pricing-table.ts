/**
 * Shipped list prices in USD per million tokens, for cost in request records. Operators override
 * or extend them with the config file's `models.<name>.pricing`. Prices change; treat these as
 * defaults to verify against the vendor's page, not as billing truth.
 */

export interface ModelPrice {
  input: number;
  output: number;
  /** Price of prompt tokens served from the provider's prompt cache; defaults to `input`. */
  cachedInput?: number;
}

export const shippedPrices: Readonly<Record<string, ModelPrice>> = {
  "openai/gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "openai/gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  "openai/gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "openai/gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "openai/gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "openai/gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "openai/gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "openai/gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  "openai/o3": { input: 2, output: 8, cachedInput: 0.5 },
  "openai/o3-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  "openai/o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  "openai/text-embedding-3-small": { input: 0.02, output: 0 },
  "openai/text-embedding-3-large": { input: 0.13, output: 0 },
  "anthropic/claude-opus-4-6": { input: 5, output: 25, cachedInput: 0.5 },
  "anthropic/claude-sonnet-4-6": { input: 3, output: 15, cachedInput: 0.3 },
  "anthropic/claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1 },
  "google/gemini-2.5-pro": { input: 1.25, output: 10, cachedInput: 0.31 },
  "google/gemini-2.5-flash": { input: 0.3, output: 2.5, cachedInput: 0.075 },
  "google/gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "groq/llama-3.1-8b-instant": { input: 0.05, output: 0.08 },
  "groq/llama-3.3-70b-versatile": { input: 0.59, output: 0.79 },
  "mistral/mistral-large-latest": { input: 2, output: 6 },
  "mistral/mistral-small-latest": { input: 0.1, output: 0.3 },
  "mistral/mistral-embed": { input: 0.1, output: 0 },
  "deepseek/deepseek-chat": { input: 0.27, output: 1.1, cachedInput: 0.07 },
  "deepseek/deepseek-reasoner": { input: 0.55, output: 2.19, cachedInput: 0.14 },
  "xai/grok-4": { input: 3, output: 15, cachedInput: 0.75 },
  "xai/grok-3": { input: 3, output: 15, cachedInput: 0.75 },
  "xai/grok-3-mini": { input: 0.3, output: 0.5, cachedInput: 0.075 },
};
