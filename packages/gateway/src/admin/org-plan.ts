/**
 * `/admin/orgs/{id}/plan`: which plan an org is on and when its subscription lapses. `plan_id`
 * null puts the org back on the default plan (everything included); `subscription_expires_at`
 * (RFC 3339, past dates allowed: that is how a lapse is recorded) null means it never lapses, and
 * leaving it out keeps the stored one. The snapshot reloads after a change, so the org's next
 * request on this instance is gated by it (the other instances' within one control poll).
 */
import { z } from "zod";
import { invalidBody, parseBody } from "../protocol/floopy-api/body-schema.js";
import type { OrgPlan } from "../store/types.js";
import {
  type AdminAnswer,
  type AdminDependencies,
  type AdminRequest,
  notFound,
  pathId,
  requireAdminKey,
} from "./admin-request.js";

export const orgPlanBodySchema = z.strictObject({
  plan_id: z.string().nullable(),
  subscription_expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
});
const SHAPE = "{plan_id: string | null, subscription_expires_at?: RFC 3339 | null}";

export const orgPlanAdmin = {
  async get(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const orgId = pathId(request, "org");
    const orgPlan = await deps.store.getOrgPlan(orgId);
    if (orgPlan === undefined) throw notFound("org", orgId);
    return { status: 200, body: orgPlanObject(orgPlan) };
  },

  async replace(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const orgId = pathId(request, "org");
    const body = parseBody(orgPlanBodySchema, request.body, SHAPE);
    const before = await deps.store.getOrgPlan(orgId);
    if (before === undefined) throw notFound("org", orgId);
    const result = await deps.store.setOrgPlan(orgId, {
      planId: body.plan_id,
      ...(body.subscription_expires_at === undefined
        ? {}
        : {
            subscriptionExpiresAt:
              body.subscription_expires_at === null ? null : new Date(body.subscription_expires_at),
          }),
    });
    switch (result.outcome) {
      case "org_not_found":
        throw notFound("org", orgId);
      case "plan_not_found":
        throw invalidBody(`plan_id: there is no plan with id '${body.plan_id}'.`, "plan_id");
      case "unchanged":
        return { status: 200, body: orgPlanObject(result.orgPlan) };
      case "set":
        await deps.audit({
          resource: "orgs",
          verb: "set_plan",
          resourceId: orgId,
          before: orgPlanObject(before),
          after: orgPlanObject(result.orgPlan),
        });
        await deps.snapshot.reloadAfterWrite();
        return { status: 200, body: orgPlanObject(result.orgPlan) };
    }
  },
};

function orgPlanObject(orgPlan: OrgPlan) {
  return {
    object: "org_plan",
    org_id: orgPlan.orgId,
    plan_id: orgPlan.planId,
    subscription_expires_at: orgPlan.subscriptionExpiresAt?.toISOString() ?? null,
  };
}
