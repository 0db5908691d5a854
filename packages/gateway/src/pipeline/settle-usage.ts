/**
 * After-response stage: settle-usage. Prices the request's usage with the price book (shipped
 * table, config overrides). Runs after the response is sent, never on the hot path.
 */
import type { RequestContext } from "./request-context.js";

export function settleUsage(context: RequestContext): void {
  const target = context.upstream?.target;
  if (!target || !context.usage) return;
  context.costUsd = context.services.prices.cost(target.provider.id, target.model, context.usage);
}
