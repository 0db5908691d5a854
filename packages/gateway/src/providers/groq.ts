import type { ProviderDeclaration } from "./declaration.js";

export const groq: ProviderDeclaration = {
  id: "groq",
  displayName: "Groq",
  protocol: "openai-chat",
  defaultBaseUrl: "https://api.groq.com/openai/v1",
  envPrefix: "GROQ",
  keyOptional: false,
  // Groq serves open models also offered elsewhere, so no bare-name claim: use `groq/<model>`.
  modelPatterns: [],
  models: ["llama-3.1-8b-instant", "llama-3.3-70b-versatile", "openai/gpt-oss-120b", "openai/gpt-oss-20b"],
  supportsEmbeddings: false,
  quirks: { streamUsage: "stream-options" },
};
