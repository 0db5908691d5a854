import type { ProviderDeclaration } from "./declaration.js";

export const mistral: ProviderDeclaration = {
  id: "mistral",
  displayName: "Mistral AI",
  protocol: "openai-chat",
  defaultBaseUrl: "https://api.mistral.ai/v1",
  envPrefix: "MISTRAL",
  keyOptional: false,
  modelPatterns: [
    /^mistral-/,
    /^codestral-/,
    /^magistral-/,
    /^ministral-/,
    /^pixtral-/,
    /^open-mistral-/,
    /^devstral-/,
  ],
  models: [
    "mistral-large-latest",
    "mistral-medium-latest",
    "mistral-small-latest",
    "codestral-latest",
    "mistral-embed",
  ],
  supportsEmbeddings: true,
  // Mistral sends usage on the last chunk of every stream and rejects unknown stream_options.
  quirks: { streamUsage: "always" },
};
