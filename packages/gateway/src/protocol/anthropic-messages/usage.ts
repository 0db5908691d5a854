/**
 * Anthropic usage <-> canonical usage. Anthropic's `input_tokens` excludes tokens read from or
 * written to its prompt cache; canonical `promptTokens` (like OpenAI's `prompt_tokens`) includes
 * them, with the cached share in `cachedTokens`.
 */
import type { Usage } from "../../canonical/types.js";
import type { AnthropicUsage } from "./types.js";

export function decodeAnthropicUsage(usage: Partial<AnthropicUsage>): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const promptTokens = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completionTokens = usage.output_tokens ?? 0;
  const decoded: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cachedTokens: cacheRead,
    reasoningTokens: 0,
  };
  if (cacheWrite > 0) decoded.cacheWriteTokens = cacheWrite;
  return decoded;
}

export function encodeAnthropicUsage(usage: Usage): AnthropicUsage {
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.promptTokens - usage.cachedTokens - cacheWrite),
    output_tokens: usage.completionTokens,
    cache_read_input_tokens: usage.cachedTokens,
    cache_creation_input_tokens: cacheWrite,
  };
}
