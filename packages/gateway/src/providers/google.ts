import type { ProviderDeclaration } from "./declaration.js";

export const google: ProviderDeclaration = {
  id: "google",
  displayName: "Google Gemini",
  protocol: "gemini",
  // What @google/genai takes as baseUrl: the origin; requests go to `/v1beta/models/{model}:…`.
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  envPrefix: "GEMINI",
  extraKeyEnv: ["GOOGLE_API_KEY"],
  keyOptional: false,
  modelPatterns: [/^gemini-/, /^gemma-/, /^text-embedding-00\d/, /^gemini-embedding-/],
  models: [
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.0-flash",
    "gemini-embedding-001",
    "text-embedding-004",
  ],
  supportsEmbeddings: true,
  quirks: { streamUsage: "always" },
};
