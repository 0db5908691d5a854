import type { ProviderDeclaration } from "./declaration.js";

export const fireworks: ProviderDeclaration = {
  id: "fireworks",
  displayName: "Fireworks AI",
  protocol: "openai-chat",
  defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
  envPrefix: "FIREWORKS",
  keyOptional: false,
  modelPatterns: [/^accounts\/fireworks\//],
  models: ["accounts/fireworks/models/llama-v3p1-8b-instruct", "accounts/fireworks/models/deepseek-v3"],
  supportsEmbeddings: true,
  quirks: { streamUsage: "stream-options" },
};
