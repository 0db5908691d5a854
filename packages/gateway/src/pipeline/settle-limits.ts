/**
 * After-response stage: settle-limits. Replaces the reservation enforce-limits made with what the
 * request really used: its tokens (a stream cut short bills what was produced) and its cost (after
 * settle-usage priced it). A request no provider answered gives its tokens and spend back; its
 * request still counts. An answer from a fallback without a price keeps the reserved spend, so
 * an unpriced model never meters as free.
 */
import type { CounterAdjustment } from "../store/shared-state.js";
import type { RequestContext } from "./request-context.js";

export async function settleLimits(context: RequestContext): Promise<void> {
  const reservation = context.reservation;
  if (reservation === null) return;
  const answered = context.upstream !== null;
  const usedTokens = answered ? (context.usage?.totalTokens ?? reservation.tokens) : 0;
  const usedMicroUsd = !answered
    ? 0
    : context.costUsd === null
      ? reservation.costMicroUsd
      : Math.ceil(context.costUsd * 1_000_000);
  const adjustments: CounterAdjustment[] = [];
  for (const charge of reservation.charges) {
    const delta =
      charge.kind === "tokens"
        ? usedTokens - reservation.tokens
        : charge.kind === "spend"
          ? usedMicroUsd - reservation.costMicroUsd
          : 0;
    if (delta !== 0) {
      adjustments.push({ id: charge.id, window: charge.window, delta, chargedAtMs: reservation.chargedAtMs });
    }
  }
  if (adjustments.length === 0) return;
  await context.services.sharedState.counters.adjust(adjustments, Date.now());
}
