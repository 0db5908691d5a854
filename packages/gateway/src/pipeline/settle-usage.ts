/**
 * After-response stage: settle-usage. When the provider reported no usage, the prompt side of the
 * estimate is replaced by an exact count for OpenAI models (their tokenizer is known; the
 * completion side stays a character estimate, so the record keeps saying `estimate`). Then the
 * usage is priced with the price book (shipped table, config overrides). Off the hot path.
 */
import { countPromptTokens, openaiEncodingOf } from "../limits/token-count.js";
import { isGenerationProtocol } from "../protocol/protocols.js";
import { canonicalRequest } from "./canonical-request.js";
import type { RequestContext } from "./request-context.js";

export async function settleUsage(context: RequestContext): Promise<void> {
  const cached = context.cache?.hit;
  if (cached && context.usage) {
    // A hit spends nothing; what the answer cost when it was made is what it saved.
    context.costUsd = 0;
    context.costSavedUsd = context.services.prices.cost(cached.provider, cached.model, context.usage);
    return;
  }
  const target = context.upstream?.target;
  if (!target || !context.usage) return;
  if (
    context.usageSource === "estimate" &&
    context.operation !== "count_tokens" &&
    isGenerationProtocol(context.protocol) &&
    openaiEncodingOf(target.model) !== null
  ) {
    try {
      const prompt = await countPromptTokens(target.model, canonicalRequest(context));
      context.usage = {
        ...context.usage,
        promptTokens: prompt.tokens,
        totalTokens: prompt.tokens + context.usage.completionTokens,
      };
    } catch {
      // The character estimate stands.
    }
  }
  context.costUsd = context.services.prices.cost(target.provider.id, target.model, context.usage);
}
