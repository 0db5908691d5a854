import type { ProviderDeclaration } from "./declaration.js";

export const deepseek: ProviderDeclaration = {
  id: "deepseek",
  displayName: "DeepSeek",
  protocol: "openai-chat",
  defaultBaseUrl: "https://api.deepseek.com/v1",
  envPrefix: "DEEPSEEK",
  keyOptional: false,
  modelPatterns: [/^deepseek-/],
  models: ["deepseek-chat", "deepseek-reasoner"],
  supportsEmbeddings: false,
  quirks: { streamUsage: "stream-options" },
};
