import type { ProviderDeclaration } from "./declaration.js";

export const openai: ProviderDeclaration = {
  id: "openai",
  displayName: "OpenAI",
  protocol: "openai-chat",
  alsoSpeaks: ["openai-responses"],
  defaultBaseUrl: "https://api.openai.com/v1",
  envPrefix: "OPENAI",
  keyOptional: false,
  modelPatterns: [/^gpt-/, /^o\d/, /^chatgpt-/, /^text-embedding-/, /^codex-/, /^davinci-/, /^babbage-/],
  models: [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o3",
    "o3-mini",
    "o4-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
  ],
  supportsEmbeddings: true,
  quirks: { streamUsage: "stream-options" },
};
