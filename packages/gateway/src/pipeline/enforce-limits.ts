/**
 * Stage: enforce-limits. Charges the request against every limit that applies to it (the key's,
 * the org's from the config file, the org's constraints) in one acquisition — one Redis round
 * trip in a fleet, none in the embedded default — and refuses it with a 429 when one does not
 * fit. Runs after route because a spend reservation needs the target's price; routing is
 * in-memory, so a refused request has cost nothing. The reservation is settled with the real
 * usage after the response (settle-limits).
 */

import type { ErrorCode } from "../errors/error-codes.js";
import { GatewayError } from "../errors/gateway-error.js";
import { hasSpendLimit, type LimitKind, limitOutcome, planCharges } from "../limits/limit-plan.js";
import { estimateCostMicroUsd, estimateRequestTokens } from "../limits/request-estimate.js";
import type { RequestContext } from "./request-context.js";

/** Operations that spend provider capacity; model lists and token counts are not limited. */
const LIMITED = new Set(["generate", "stream_generate", "embed"]);

const codes: Record<LimitKind, ErrorCode> = {
  requests: "RATE_LIMIT_EXCEEDED",
  tokens: "USAGE_LIMIT_EXCEEDED",
  spend: "MONTHLY_LIMIT_EXCEEDED",
};

export async function enforceLimits(context: RequestContext): Promise<undefined> {
  const { key, services } = context;
  if (key === null || !LIMITED.has(context.operation)) return undefined;
  const constraints = services.snapshot.constraints(key.orgId) ?? null;
  const org = services.orgLimits;
  if (
    key.rpm === null &&
    key.tpm === null &&
    key.monthlyBudgetUsd === null &&
    org.rpm === null &&
    org.tpm === null &&
    org.monthlyBudgetUsd === null &&
    constraints === null
  ) {
    return undefined;
  }
  const tokens = estimateRequestTokens(context.body, context.operation);
  const target = context.targets[0];
  const price = target ? services.prices.price(target.provider.id, target.model) : undefined;
  const costMicroUsd = estimateCostMicroUsd(tokens, price);
  const nowMs = Date.now();
  const charges = planCharges(
    { key, org, constraints },
    { tokens: tokens.promptTokens + tokens.outputTokens, costMicroUsd },
    nowMs,
  );
  if (charges.length === 0) return undefined;
  if (costMicroUsd === null && hasSpendLimit(charges) && target) {
    // Metering an unpriced model at zero would let it spend a budget without limit.
    throw new GatewayError(
      "FORBIDDEN",
      `${target.provider.id}/${target.model} has no price, and a monthly budget applies to this key or its organization: give the model a price under models: in the config file (pricing: {input, output}, USD per million tokens).`,
      { param: "model" },
    );
  }
  const result = await services.sharedState.counters.acquire(charges, nowMs);
  const outcome = limitOutcome(charges, result.counters, result.admitted ? null : result.refused);
  context.limitHeaders = outcome.headers;
  if (outcome.refusal !== null) {
    services.metrics.limitRefusals.inc({ kind: outcome.refusal.kind });
    throw new GatewayError(codes[outcome.refusal.kind], outcome.refusal.message, {
      retryAfterSeconds: outcome.refusal.retryAfterSeconds,
    });
  }
  context.reservation = {
    charges,
    chargedAtMs: nowMs,
    tokens: tokens.promptTokens + tokens.outputTokens,
    costMicroUsd: costMicroUsd ?? 0,
  };
  return undefined;
}
