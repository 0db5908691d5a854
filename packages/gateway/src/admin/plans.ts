/**
 * `/admin/plans[/{id}]`: the plans that gate features per org. A plan lists the features it
 * includes (control/plan-features.ts names them) or `"*"` for all, those added later included.
 * An org is put on a plan with `PUT /admin/orgs/{id}/plan` (org-plan.ts); an org on no plan is on
 * the default plan, which includes everything. A plan cannot be deleted while an org is on it.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { isPlanFeature, type PlanFeature, planFeatureNames } from "../control/plan-features.js";
import { invalidBody, parseBody } from "../protocol/floopy-api/body-schema.js";
import type { PlanRecord } from "../store/types.js";
import {
  type AdminAnswer,
  type AdminDependencies,
  type AdminRequest,
  checkId,
  conflict,
  listPage,
  notFound,
  pathId,
  requireAdminKey,
} from "./admin-request.js";
import { displayName } from "./display-name.js";

const features = z.union([z.literal("*"), z.array(z.string())], {
  error: `must be "*" or an array of feature names (${planFeatureNames.join(", ")})`,
});
export const planBodySchema = z.strictObject({ id: z.string().optional(), name: displayName, features });
const SHAPE = '{id?, name, features: [feature…] | "*"}';

export const plansAdmin = {
  async list(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const plans = await deps.store.listPlans();
    return {
      status: 200,
      body: listPage(
        plans,
        request.query,
        deps.cursorSecret,
        (plan) => [plan.createdAt.getTime(), plan.id],
        planObject,
      ),
    };
  },

  async create(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const body = parseBody(planBodySchema, request.body, SHAPE);
    const id =
      body.id === undefined ? `plan_${randomBytes(9).toString("base64url")}` : checkId(body.id, "id");
    const saved = await deps.store.savePlan({
      id,
      name: body.name,
      features: knownFeatures(body.features),
      mode: "create",
    });
    if (saved.outcome === "exists")
      throw conflict(`A plan with id '${id}' already exists; use PUT to replace it.`);
    await deps.audit({
      resource: "plans",
      verb: "create",
      resourceId: id,
      before: null,
      after: planObject(saved.plan),
    });
    await deps.snapshot.reloadAfterWrite();
    return { status: 201, body: planObject(saved.plan) };
  },

  async get(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const id = pathId(request, "plan");
    const plan = await deps.store.getPlan(id);
    if (plan === undefined) throw notFound("plan", id);
    return { status: 200, body: planObject(plan) };
  },

  /** Replaces the plan whole, or creates it under the path's id. */
  async replace(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const id = pathId(request, "plan");
    const body = parseBody(planBodySchema, request.body, SHAPE);
    if (body.id !== undefined && body.id !== id) {
      throw invalidBody(`id: the body names '${body.id}' but the path names '${id}'.`, "id");
    }
    const before = await deps.store.getPlan(id);
    const saved = await deps.store.savePlan({
      id,
      name: body.name,
      features: knownFeatures(body.features),
      mode: "upsert",
    });
    if (saved.outcome === "created" || saved.outcome === "replaced") {
      await deps.audit({
        resource: "plans",
        verb: saved.outcome === "created" ? "create" : "replace",
        resourceId: id,
        before: before === undefined ? null : planObject(before),
        after: planObject(saved.plan),
      });
      await deps.snapshot.reloadAfterWrite();
    }
    return { status: saved.outcome === "created" ? 201 : 200, body: planObject(saved.plan) };
  },

  async delete(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const id = pathId(request, "plan");
    const before = await deps.store.getPlan(id);
    const deleted = await deps.store.deletePlan(id);
    switch (deleted.outcome) {
      case "not_found":
        throw notFound("plan", id);
      case "in_use":
        throw conflict(
          `The plan '${id}' is the plan of ${deleted.orgIds.length} org(s) (${deleted.orgIds.join(", ")}); ` +
            "put them on another plan first.",
        );
      case "deleted":
        await deps.audit({
          resource: "plans",
          verb: "delete",
          resourceId: id,
          before: before === undefined ? null : planObject(before),
          after: null,
        });
        await deps.snapshot.reloadAfterWrite();
        return { status: 204 };
    }
  },
};

/** Every name must be a known feature; stored once each, in the list's order, so equal plans compare equal. */
function knownFeatures(given: "*" | string[]): "*" | PlanFeature[] {
  if (given === "*") return "*";
  for (const [index, name] of given.entries()) {
    if (!isPlanFeature(name)) {
      throw invalidBody(
        `features.${index}: '${name}' is not a feature; the features are ${planFeatureNames.join(", ")}.`,
        `features.${index}`,
      );
    }
  }
  return planFeatureNames.filter((name) => given.includes(name));
}

export function planObject(plan: PlanRecord) {
  return {
    object: "plan",
    id: plan.id,
    name: plan.name,
    features: plan.features === "*" ? "*" : [...plan.features],
    created_at: plan.createdAt.toISOString(),
    updated_at: plan.updatedAt.toISOString(),
  };
}
