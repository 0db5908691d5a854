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
  // Current models only: retired ones (claude-sonnet-4-5 reached end of life on 2026-11-30) are
  // not offered; @anthropic-ai/sdk's deprecation table is the reference.
  models: ["claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"],
  supportsEmbeddings: false,
  quirks: { streamUsage: "always" },
};
