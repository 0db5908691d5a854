import type { ProviderDeclaration } from "./declaration.js";

export const anthropic: ProviderDeclaration = {
  id: "anthropic",
  displayName: "Anthropic",
  protocol: "anthropic-messages",
  // What @anthropic-ai/sdk takes as baseURL: the origin; requests go to `/v1/messages`.
  defaultBaseUrl: "https://api.anthropic.com",
  envPrefix: "ANTHROPIC",
  keyOptional: false,
  modelPatterns: [/^claude-/],
  models: [
    "claude-opus-4-1",
    "claude-opus-4-0",
    "claude-sonnet-4-5",
    "claude-sonnet-4-0",
    "claude-3-7-sonnet-latest",
    "claude-haiku-4-5",
    "claude-3-5-haiku-latest",
  ],
  supportsEmbeddings: false,
  quirks: { streamUsage: "always" },
};
