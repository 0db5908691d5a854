/**
 * Plans, end to end over real sockets: the default plan allows everything; a plan without
 * `routing_explain` put on an org makes the dry run answer `403 plan_required` naming the feature,
 * from that org's very next request; a `"*"` plan, or the default plan again, lets it through; a
 * lapsed subscription is `403 SUBSCRIPTION_EXPIRED`. Plans are managed under `/admin/plans`, an
 * org's plan at `/admin/orgs/{id}/plan`, with Floopy's own errors.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { planFeatureNames } from "../src/control/plan-features.js";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;
let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({ env: { FLOOPY_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await test?.close();
});
// Every test starts with the default org on the default plan, without expiry.
beforeEach(async () => {
  const reset = await admin({
    method: "PUT",
    path: "/admin/orgs/default/plan",
    body: { plan_id: null, subscription_expires_at: null },
  });
  expect(reset.status).toBe(200);
});

interface Call {
  method?: string;
  path: string;
  body?: unknown;
  key?: string;
}

async function admin({ method = "GET", path, body, key = ADMIN_KEY }: Call) {
  const response = await fetch(`${test.gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
}

/** The dry run's answer, or its error in the chat route's shape. */
interface ExplainAnswer {
  would_select?: { provider: string; model: string } | null;
  error?: { code: string; message: string; type: string; param: string | null; feature?: string };
}

async function explain(key = TEST_KEY) {
  const response = await fetch(`${test.gateway.url}/v1/routing/explain`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  });
  return {
    status: response.status,
    requestId: response.headers.get("floopy-request-id"),
    json: (await response.json()) as ExplainAnswer,
  };
}

async function createPlan(id: string, features: string[] | "*") {
  const created = await admin({ method: "POST", path: "/admin/plans", body: { id, name: id, features } });
  expect(created.status).toBe(201);
  return created.json;
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

describe("the default plan", () => {
  it("allows the dry run to an org on no plan", async () => {
    const answer = await explain();
    expect(answer.status).toBe(200);
    expect(answer.json.would_select).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(test.fake.requests).toHaveLength(0);
  });

  it("answers the default org's plan as the default plan", async () => {
    expect(await admin({ path: "/admin/orgs/default/plan" })).toEqual({
      status: 200,
      json: { object: "org_plan", org_id: "default", plan_id: null, subscription_expires_at: null },
    });
  });
});

describe("gating the dry run", () => {
  it("refuses it with 403 plan_required naming the feature once the org's plan lacks it", async () => {
    const id = unique("starter");
    await createPlan(id, ["experiments", "prompts"]);
    const assigned = await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: id } });
    expect(assigned).toEqual({
      status: 200,
      json: { object: "org_plan", org_id: "default", plan_id: id, subscription_expires_at: null },
    });

    const refused = await explain();
    expect(refused.status).toBe(403);
    // The dry run answers in the chat route's (OpenAI's) shape, which carries `feature` too.
    expect(refused.json).toEqual({
      error: {
        code: "plan_required",
        feature: "routing_explain",
        message: expect.stringContaining("does not include 'routing_explain'"),
        type: "permission_error",
        param: null,
      },
    });
    expect(refused.requestId).toMatch(/\S/);

    // Generation is not a plan feature: the org's traffic still flows.
    const completion = await test.client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
  });

  it("allows it again on a '*' plan, on a plan listing it, and back on the default plan", async () => {
    const without = unique("without");
    await createPlan(without, []);
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: without } });
    expect((await explain()).status).toBe(403);

    const everything = unique("everything");
    await createPlan(everything, "*");
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: everything } });
    expect((await explain()).status).toBe(200);

    // Replacing the plan the org is on takes effect on the next request too.
    const replaced = await admin({
      method: "PUT",
      path: `/admin/plans/${everything}`,
      body: { name: "Everything but", features: ["experiments"] },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({
      id: everything,
      name: "Everything but",
      features: ["experiments"],
    });
    expect((await explain()).json.error?.code).toBe("plan_required");
    await admin({
      method: "PUT",
      path: `/admin/plans/${everything}`,
      body: { name: "Everything but", features: ["routing_explain", "experiments"] },
    });
    expect((await explain()).status).toBe(200);

    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: without } });
    expect((await explain()).status).toBe(403);
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: null } });
    expect((await explain()).status).toBe(200);
  });

  it("gates the semantic cache and a header-asked firewall by the plan", async () => {
    await admin({
      method: "PUT",
      path: "/admin/orgs/default/plan",
      body: { plan_id: (await createPlan(unique("basic"), ["routing_explain"])).id },
    });
    const chat = (headers: Record<string, string>) =>
      fetch(`${test.gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...headers },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "plans and caches" }],
        }),
      });
    for (const [headers, feature] of [
      [{ "floopy-cache": "semantic" }, "semantic_cache"],
      [{ "floopy-llm-security-enabled": "true" }, "firewall"],
    ] as const) {
      const refused = await chat(headers);
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as { error: { code: string; feature?: string } };
      expect(body.error).toMatchObject({ code: "plan_required", feature });
    }
    // The exact cache is not a plan feature.
    expect((await chat({ "floopy-cache": "exact" })).headers.get("floopy-cache-status")).toBe("MISS");
  });

  it("gates one org only: another org's key keeps the dry run", async () => {
    const orgId = unique("org");
    expect(
      (await admin({ method: "POST", path: "/admin/orgs", body: { id: orgId, name: orgId } })).status,
    ).toBe(201);
    const key = await admin({ method: "POST", path: "/admin/keys", body: { name: "other", org: orgId } });
    expect(key.status).toBe(201);
    const id = unique("none");
    await createPlan(id, []);
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: id } });
    expect((await explain()).status).toBe(403);
    expect((await explain(key.json.key)).status).toBe(200);
  });

  it("refuses it with 403 SUBSCRIPTION_EXPIRED once the subscription lapsed, whatever the plan", async () => {
    const everything = unique("everything");
    await createPlan(everything, "*");
    const lapsed = await admin({
      method: "PUT",
      path: "/admin/orgs/default/plan",
      body: { plan_id: everything, subscription_expires_at: "2020-01-01T00:00:00Z" },
    });
    expect(lapsed.json).toEqual({
      object: "org_plan",
      org_id: "default",
      plan_id: everything,
      subscription_expires_at: "2020-01-01T00:00:00.000Z",
    });
    const refused = await explain();
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: "SUBSCRIPTION_EXPIRED",
      type: "permission_error",
      message: expect.stringContaining("expired"),
    });
    expect(refused.json.error?.feature).toBeUndefined();

    // On the default plan too; leaving the expiry out keeps it.
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: null } });
    expect((await explain()).json.error?.code).toBe("SUBSCRIPTION_EXPIRED");

    // Renewed: a future expiry lets it through.
    const renewed = await admin({
      method: "PUT",
      path: "/admin/orgs/default/plan",
      body: { plan_id: everything, subscription_expires_at: "2100-01-01T00:00:00+02:00" },
    });
    expect(renewed.json.subscription_expires_at).toBe("2099-12-31T22:00:00.000Z");
    expect((await explain()).status).toBe(200);
  });

  it("follows a change another process made in the database within a control poll", async () => {
    const id = unique("elsewhere");
    await createPlan(id, []);
    // As `floopy` or another instance would: straight into the store, without this instance's reload.
    await test.gateway.stores.control.setOrgPlan("default", { planId: id });
    await vi.waitFor(async () => expect((await explain()).status).toBe(403), {
      timeout: 5_000,
      interval: 50,
    });
    await test.gateway.stores.control.setOrgPlan("default", { planId: null });
    await vi.waitFor(async () => expect((await explain()).status).toBe(200), {
      timeout: 5_000,
      interval: 50,
    });
  });
});

describe("managing plans", () => {
  it("creates, reads, lists page by page, replaces and deletes plans", async () => {
    const ids = [unique("a"), unique("b"), unique("c")];
    for (const id of ids) await createPlan(id, ["routing_explain"]);
    const got = await admin({ path: `/admin/plans/${ids[0]}` });
    expect(got).toEqual({
      status: 200,
      json: {
        object: "plan",
        id: ids[0],
        name: ids[0],
        features: ["routing_explain"],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const page = await admin({ path: `/admin/plans${query}` });
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((plan: { id: string }) => plan.id));
      cursor = page.json.next_cursor;
      expect(page.json.has_more).toBe(cursor !== null);
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));

    // Features are kept once each, in the documented order, whatever order they came in.
    const sorted = await admin({
      method: "PUT",
      path: `/admin/plans/${ids[1]}`,
      body: { name: "B", features: ["prompts", "routing_explain", "prompts"] },
    });
    expect(sorted.json.features).toEqual(["routing_explain", "prompts"]);

    // PUT on a new id creates it.
    const fresh = unique("fresh");
    const created = await admin({
      method: "PUT",
      path: `/admin/plans/${fresh}`,
      body: { name: "F", features: "*" },
    });
    expect(created.status).toBe(201);
    expect(created.json.features).toBe("*");

    expect((await admin({ method: "DELETE", path: `/admin/plans/${fresh}` })).status).toBe(204);
    expect((await admin({ path: `/admin/plans/${fresh}` })).status).toBe(404);
    const again = await admin({ method: "DELETE", path: `/admin/plans/${fresh}` });
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("not_found");
  });

  it("generates an id when none is given, and refuses a taken one", async () => {
    const created = await admin({
      method: "POST",
      path: "/admin/plans",
      body: { name: "Anon", features: [] },
    });
    expect(created.status).toBe(201);
    expect(created.json.id).toMatch(/^plan_/);
    const taken = await admin({
      method: "POST",
      path: "/admin/plans",
      body: { id: created.json.id, name: "Again", features: [] },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe("conflict");
  });

  it("refuses an unknown feature with 400 invalid_body listing the known ones, and other bad bodies", async () => {
    const unknown = await admin({
      method: "POST",
      path: "/admin/plans",
      body: { name: "Bad", features: ["routing_explain", "time_travel"] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("invalid_body");
    expect(unknown.json.error.message).toContain("'time_travel' is not a feature");
    for (const name of planFeatureNames) expect(unknown.json.error.message).toContain(name);

    for (const body of [
      { name: "Bad", features: "all" },
      { name: "Bad" },
      { features: [] },
      { name: "Bad", features: [], extra: 1 },
      { id: "not an id", name: "Bad", features: [] },
    ]) {
      const refused = await admin({ method: "POST", path: "/admin/plans", body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error.code).toBe("invalid_body");
    }
    const mismatch = await admin({
      method: "PUT",
      path: "/admin/plans/one",
      body: { id: "two", name: "Bad", features: [] },
    });
    expect(mismatch.status).toBe(400);
  });

  it("refuses to delete a plan an org is on (409), and deletes it once the org moved", async () => {
    const id = unique("used");
    await createPlan(id, "*");
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: id } });
    const refused = await admin({ method: "DELETE", path: `/admin/plans/${id}` });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: "conflict",
      message: expect.stringContaining("default"),
    });
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: null } });
    expect((await admin({ method: "DELETE", path: `/admin/plans/${id}` })).status).toBe(204);
  });

  it("audits plan and org-plan changes", async () => {
    const id = unique("audited");
    await createPlan(id, []);
    await admin({ method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: id } });
    const plans = await admin({ path: "/admin/audit?resource=plans" });
    expect(plans.json.items).toContainEqual(
      expect.objectContaining({ action: "plans.create", resource_id: id }),
    );
    const orgs = await admin({ path: "/admin/audit?resource=orgs" });
    expect(orgs.json.items).toContainEqual(
      expect.objectContaining({ action: "orgs.set_plan", resource_id: "default" }),
    );
  });
});

describe("an org's plan", () => {
  it("answers 404 not_found for an org that does not exist", async () => {
    for (const call of [
      { path: "/admin/orgs/no-such-org/plan" },
      { method: "PUT", path: "/admin/orgs/no-such-org/plan", body: { plan_id: null } },
    ]) {
      const answer = await admin(call);
      expect(answer.status).toBe(404);
      expect(answer.json.error.code).toBe("not_found");
    }
  });

  it("refuses an unknown plan and a malformed body with 400 invalid_body, changing nothing", async () => {
    const unknown = await admin({
      method: "PUT",
      path: "/admin/orgs/default/plan",
      body: { plan_id: "no-such-plan" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({
      code: "invalid_body",
      message: expect.stringContaining("plan_id"),
    });
    for (const body of [
      {},
      { plan_id: 3 },
      { plan_id: null, subscription_expires_at: "tomorrow" },
      { plan_id: null, other: true },
    ]) {
      const refused = await admin({ method: "PUT", path: "/admin/orgs/default/plan", body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error.code).toBe("invalid_body");
    }
    expect((await admin({ path: "/admin/orgs/default/plan" })).json.plan_id).toBeNull();
  });

  it("needs an admin key", async () => {
    for (const call of [
      { path: "/admin/plans", key: TEST_KEY },
      { method: "PUT", path: "/admin/orgs/default/plan", body: { plan_id: null }, key: TEST_KEY },
    ]) {
      const answer = await admin(call);
      expect(answer.status).toBe(403);
      expect(answer.json.error.code).toBe("FORBIDDEN");
    }
  });
});
