import type { ProviderDeclaration } from "./declaration.js";

export const openrouter: ProviderDeclaration = {
  id: "openrouter",
  displayName: "OpenRouter",
  protocol: "openai-chat",
  defaultBaseUrl: "https://openrouter.ai/api/v1",
  envPrefix: "OPENROUTER",
  keyOptional: false,
  // OpenRouter model ids are `vendor/model`; reach them as `openrouter/vendor/model`.
  modelPatterns: [],
  models: [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4.6",
    "google/gemini-2.5-flash",
    "meta-llama/llama-3.3-70b-instruct",
  ],
  supportsEmbeddings: true,
  quirks: { streamUsage: "stream-options" },
};
