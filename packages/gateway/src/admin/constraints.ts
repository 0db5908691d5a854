/**
 * `/admin/constraints/{org}`: read and replace any org's constraints, the same values and rules
 * as `GET/PUT /v1/constraints` (where a gateway key manages its own org's). A PUT replaces all
 * four; `null` or leaving one out clears it. The snapshot reloads after a change, so the limits
 * apply from this instance's next request on.
 */
import {
  type ConstraintValues,
  constraintsState,
  constraintsWire,
  noConstraints,
  parseConstraintsBody,
} from "../protocol/floopy-api/constraints.js";
import type { OrgConstraints } from "../store/types.js";
import {
  type AdminAnswer,
  type AdminDependencies,
  type AdminRequest,
  notFound,
  pathId,
  requireAdminKey,
} from "./admin-request.js";

export const constraintsAdmin = {
  async get(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const orgId = await existingOrg(request, deps);
    return { status: 200, body: constraintsObject(orgId, await deps.store.getConstraints(orgId)) };
  },

  async replace(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const orgId = await existingOrg(request, deps);
    const values = parseConstraintsBody(request.body);
    const before = await deps.store.getConstraints(orgId);
    const saved = await deps.store.putConstraints(orgId, values);
    const changed =
      before === undefined ||
      JSON.stringify(constraintsWire(before)) !== JSON.stringify(constraintsWire(saved));
    if (changed) {
      await deps.audit({
        resource: "constraints",
        verb: "replace",
        resourceId: orgId,
        before: before === undefined ? null : constraintsState(orgId, before),
        after: constraintsState(orgId, saved),
      });
      await deps.snapshot.reloadAfterWrite();
    }
    return { status: 200, body: constraintsObject(orgId, saved) };
  },
};

async function existingOrg(request: AdminRequest, deps: AdminDependencies): Promise<string> {
  const orgId = pathId(request, "org");
  if ((await deps.store.getOrg(orgId)) === undefined) throw notFound("org", orgId);
  return orgId;
}

function constraintsObject(orgId: string, stored: OrgConstraints | undefined) {
  const values: ConstraintValues = stored ?? noConstraints;
  return {
    object: "constraints",
    org_id: orgId,
    ...constraintsWire(values),
    updated_at: stored?.updatedAt.toISOString() ?? null,
  };
}
