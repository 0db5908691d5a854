import type { ProviderDeclaration } from "./declaration.js";

export const together: ProviderDeclaration = {
  id: "together",
  displayName: "Together AI",
  protocol: "openai-chat",
  defaultBaseUrl: "https://api.together.xyz/v1",
  envPrefix: "TOGETHER",
  keyOptional: false,
  modelPatterns: [],
  models: [
    "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "deepseek-ai/DeepSeek-V3",
    "Qwen/Qwen2.5-72B-Instruct-Turbo",
  ],
  supportsEmbeddings: true,
  quirks: { streamUsage: "stream-options" },
};
