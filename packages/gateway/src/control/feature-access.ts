/**
 * Whether an org's plan includes a feature, from what the control snapshot holds (no store round
 * trip). An org nobody put on a plan is on the default plan, which includes every feature: a
 * self-hosted gateway that never defines a plan gates nothing. A lapsed subscription is refused
 * before the plan is looked at, whatever the plan; the SDKs tell the two refusals apart by code.
 */
import type { OrgPlan, PlanRecord } from "../store/types.js";
import type { PlanFeature } from "./plan-features.js";

export type FeatureAccess = { ok: true } | { ok: false; code: "plan_required" | "SUBSCRIPTION_EXPIRED" };

export function featureAccess(
  plans: ReadonlyMap<string, PlanRecord>,
  orgPlans: ReadonlyMap<string, OrgPlan>,
  orgId: string,
  feature: PlanFeature,
  now: Date,
): FeatureAccess {
  const orgPlan = orgPlans.get(orgId);
  if (orgPlan === undefined) return { ok: true };
  const expiresAt = orgPlan.subscriptionExpiresAt;
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    return { ok: false, code: "SUBSCRIPTION_EXPIRED" };
  }
  if (orgPlan.planId === null) return { ok: true };
  const plan = plans.get(orgPlan.planId);
  // The foreign key keeps an org's plan in the store; a snapshot without it (a row edited by hand)
  // grants nothing rather than everything.
  if (plan === undefined) return { ok: false, code: "plan_required" };
  if (plan.features === "*" || plan.features.includes(feature)) return { ok: true };
  return { ok: false, code: "plan_required" };
}
