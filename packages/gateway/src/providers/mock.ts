import type { ProviderDeclaration } from "./declaration.js";

/**
 * The demo provider (`floopy serve --demo`): a built-in OpenAI-compatible upstream that answers
 * deterministically. Never enabled from the environment or a config file, so it cannot answer
 * real traffic by accident.
 */
export const mock: ProviderDeclaration = {
  id: "mock",
  displayName: "Demo provider (built in)",
  protocol: "openai-chat",
  defaultBaseUrl: null,
  envPrefix: null,
  keyOptional: true,
  modelPatterns: [],
  models: ["echo", "slow-1500", "fail-500", "fail-503", "fail-429", "flaky-50", "embed"],
  supportsEmbeddings: true,
  quirks: { streamUsage: "stream-options" },
};
