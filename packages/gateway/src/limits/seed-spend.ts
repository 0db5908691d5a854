/**
 * Gives an instance that counts budgets in its own memory the month's spend so far, summed from
 * the request records, so a restart does not hand every key and org a fresh monthly budget. A
 * fleet keeps the month's spend in Redis instead, which outlives any one instance (docs/limits.md
 * says what a Redis that loses its data means for budgets).
 */
import type { SharedCounters } from "../store/shared-state.js";
import type { KeySpend } from "../store/types.js";
import { microUsd, monthWindow } from "./limit-plan.js";

export async function seedMonthlySpend(
  counters: SharedCounters,
  spendSince: (from: Date) => Promise<KeySpend[]>,
  nowMs: number,
): Promise<number> {
  const window = monthWindow(nowMs);
  const monthStart = new Date(Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), 1));
  const spend = await spendSince(monthStart);
  const byOrg = new Map<string, number>();
  const adjustments = [];
  for (const entry of spend) {
    const micro = microUsd(entry.costUsd) ?? 0;
    if (micro <= 0) continue;
    adjustments.push({ id: `key:${entry.keyId}:spend`, window, delta: micro, chargedAtMs: nowMs });
    byOrg.set(entry.orgId, (byOrg.get(entry.orgId) ?? 0) + micro);
  }
  for (const [orgId, micro] of byOrg) {
    adjustments.push({ id: `org:${orgId}:spend`, window, delta: micro, chargedAtMs: nowMs });
  }
  if (adjustments.length > 0) await counters.adjust(adjustments, nowMs);
  return adjustments.length;
}
