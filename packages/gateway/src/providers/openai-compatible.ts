import type { ProviderDeclaration } from "./declaration.js";

/** Any server speaking the OpenAI API (vLLM, Ollama, LM Studio, …), configured with a base URL. */
export const openaiCompatible: ProviderDeclaration = {
  id: "openai-compatible",
  displayName: "OpenAI-compatible server",
  protocol: "openai-chat",
  defaultBaseUrl: null,
  envPrefix: null,
  keyOptional: true,
  modelPatterns: [],
  models: [],
  supportsEmbeddings: true,
  quirks: { streamUsage: "stream-options" },
};
