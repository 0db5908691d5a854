/**
 * What a request may use, known before it is sent (INTERFACE.md "Limits"): its prompt tokens (the
 * character estimate) plus the most its answer may produce (the request's own max-tokens field, or
 * a documented default when it names none), and what that would cost at the target's price. The
 * reservation is charged against token and spend limits before dispatch, then settled with the
 * real usage after.
 */
import { estimateTokens, promptCharacters } from "./token-estimate.js";

/** Reserved for the answer of a request that sets no max-tokens field (docs/limits.md). */
export const DEFAULT_RESERVED_OUTPUT_TOKENS = 1024;

export interface TokenEstimate {
  promptTokens: number;
  outputTokens: number;
}

export function estimateRequestTokens(
  body: Record<string, unknown> | undefined,
  operation: string,
): TokenEstimate {
  const promptTokens = estimateTokens(promptCharacters(body));
  if (operation === "embed") return { promptTokens, outputTokens: 0 };
  return { promptTokens, outputTokens: maxOutputTokens(body) ?? DEFAULT_RESERVED_OUTPUT_TOKENS };
}

/** The request's own cap on its answer, in any supported protocol. */
export function maxOutputTokens(body: Record<string, unknown> | undefined): number | null {
  if (!body) return null;
  const generationConfig = body.generationConfig as Record<string, unknown> | undefined;
  for (const value of [
    body.max_completion_tokens,
    body.max_tokens,
    body.max_output_tokens,
    generationConfig?.maxOutputTokens,
  ]) {
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  return null;
}

/** Micro-USD at a price in USD per million tokens (so tokens × price is micro-USD). */
export function estimateCostMicroUsd(
  estimate: TokenEstimate,
  price: { input: number; output: number } | undefined,
): number | null {
  if (!price) return null;
  return Math.ceil(estimate.promptTokens * price.input + estimate.outputTokens * price.output);
}
