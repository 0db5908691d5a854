/**
 * The one check that an org's plan includes a feature, for Floopy's own routes (platform/) and
 * for the generation stages that later releases gate (semantic cache, firewall, …). Reads the
 * control snapshot only. A refusal is a 403 in the route's own protocol: `plan_required` naming
 * the feature (the SDKs turn 403 + `feature` into their plan error), or `SUBSCRIPTION_EXPIRED`.
 */
import { type PlanFeature, planFeatures } from "../control/plan-features.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { RequestContext } from "./request-context.js";

/** Throws unless the caller's org may use `feature`; call after authenticate. */
export function requireFeature(context: RequestContext, feature: PlanFeature): void {
  const key = context.key;
  if (key === null) throw new GatewayError("INTERNAL", "requireFeature ran before authenticate.");
  const access = context.services.snapshot.featureAllowed(key.orgId, feature, context.receivedAt);
  if (access.ok) return;
  if (access.code === "SUBSCRIPTION_EXPIRED") {
    throw new GatewayError(
      "SUBSCRIPTION_EXPIRED",
      `The subscription of org '${key.orgId}' has expired; renew it to use ${planFeatures[feature]}.`,
    );
  }
  throw new GatewayError(
    "plan_required",
    `The plan of org '${key.orgId}' does not include '${feature}' (${planFeatures[feature]}).`,
    { feature },
  );
}
