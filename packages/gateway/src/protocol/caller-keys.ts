/**
 * Which way of presenting a key each ingress protocol accepts, as a table over the protocol
 * folders (the Responses and embeddings routes are OpenAI's, Gemini's embeddings Gemini's).
 */
import { anthropicCallerKey } from "./anthropic-messages/caller-key.js";
import { floopyApiCallerKey } from "./floopy-api/caller-key.js";
import { geminiCallerKey } from "./gemini/caller-key.js";
import type { IngressProtocol } from "./ingress-protocol.js";
import { openaiCallerKey } from "./openai-chat/caller-key.js";
import type { CallerKeyPresentation } from "./shared/caller-key.js";

export const callerKeys: Record<IngressProtocol, CallerKeyPresentation> = {
  "openai-chat": openaiCallerKey,
  "openai-responses": openaiCallerKey,
  "openai-embeddings": openaiCallerKey,
  "openai-models": openaiCallerKey,
  "anthropic-messages": anthropicCallerKey,
  gemini: geminiCallerKey,
  "gemini-embeddings": geminiCallerKey,
  "floopy-api": floopyApiCallerKey,
};
