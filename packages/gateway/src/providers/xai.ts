import type { ProviderDeclaration } from "./declaration.js";

export const xai: ProviderDeclaration = {
  id: "xai",
  displayName: "xAI",
  protocol: "openai-chat",
  defaultBaseUrl: "https://api.x.ai/v1",
  envPrefix: "XAI",
  keyOptional: false,
  modelPatterns: [/^grok-/],
  models: ["grok-4", "grok-3", "grok-3-mini"],
  supportsEmbeddings: false,
  quirks: { streamUsage: "stream-options" },
};
