import { describe, expect, it } from "vitest";
import type { OrgPlan, PlanRecord } from "../store/types.js";
import { featureAccess } from "./feature-access.js";

const at = new Date("2026-01-01T00:00:00.000Z");
const plan = (id: string, features: PlanRecord["features"]): [string, PlanRecord] => [
  id,
  { id, name: id, features, createdAt: at, updatedAt: at },
];
const plans = new Map([plan("free", ["experiments"]), plan("all", "*")]);
const orgs = (...entries: OrgPlan[]) => new Map(entries.map((entry) => [entry.orgId, entry]));

describe("featureAccess", () => {
  it("allows every feature to an org on the default plan, with or without plans defined", () => {
    expect(featureAccess(new Map(), new Map(), "acme", "routing_explain", at)).toEqual({ ok: true });
    expect(featureAccess(plans, new Map(), "acme", "routing_explain", at)).toEqual({ ok: true });
    const defaultPlan = orgs({ orgId: "acme", planId: null, subscriptionExpiresAt: null });
    expect(featureAccess(plans, defaultPlan, "acme", "firewall", at)).toEqual({ ok: true });
  });

  it("allows what the plan lists, everything for '*', and refuses the rest as plan_required", () => {
    const onFree = orgs({ orgId: "acme", planId: "free", subscriptionExpiresAt: null });
    expect(featureAccess(plans, onFree, "acme", "experiments", at)).toEqual({ ok: true });
    expect(featureAccess(plans, onFree, "acme", "routing_explain", at)).toEqual({
      ok: false,
      code: "plan_required",
    });
    // Another org is not affected by acme's plan.
    expect(featureAccess(plans, onFree, "other", "routing_explain", at)).toEqual({ ok: true });
    const onAll = orgs({ orgId: "acme", planId: "all", subscriptionExpiresAt: null });
    expect(featureAccess(plans, onAll, "acme", "routing_explain", at)).toEqual({ ok: true });
  });

  it("refuses a plan the snapshot does not hold rather than granting everything", () => {
    const dangling = orgs({ orgId: "acme", planId: "gone", subscriptionExpiresAt: null });
    expect(featureAccess(plans, dangling, "acme", "experiments", at)).toEqual({
      ok: false,
      code: "plan_required",
    });
  });

  it("refuses everything once the subscription lapsed (at the instant itself), whatever the plan", () => {
    const lapsing = (planId: string | null) =>
      orgs({ orgId: "acme", planId, subscriptionExpiresAt: new Date(at.getTime() + 1000) });
    expect(featureAccess(plans, lapsing("all"), "acme", "experiments", at)).toEqual({ ok: true });
    for (const planId of ["all", "free", null]) {
      for (const now of [new Date(at.getTime() + 1000), new Date(at.getTime() + 60_000)]) {
        expect(featureAccess(plans, lapsing(planId), "acme", "experiments", now)).toEqual({
          ok: false,
          code: "SUBSCRIPTION_EXPIRED",
        });
      }
    }
  });
});
