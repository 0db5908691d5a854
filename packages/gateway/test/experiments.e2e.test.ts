/**
 * Experiments end to end (INTERFACE.md): create and rollback need `X-Floopy-Confirm:
 * experiments` (without it nothing changes); an active experiment sends its split of variant A's
 * traffic to variant B's rule, sticky per session, recorded in the decision; results count each
 * variant and name a winner only when the two-proportion test says so; a rollback is idempotent
 * and sends everything back to A from the next request; another org sees none of it.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;
const BACKUP_KEY = "sk-backup-secret-1234567890";
const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    env: { FLOOPY_ADMIN_KEY: ADMIN_KEY },
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: ${BACKUP_KEY}, models: [backup-model] }`,
        '  dead: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1", models: [dead-model] }',
        "routing_rules:",
        "  house: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
        "  candidate: { strategy: fallback, targets: [{ model: backup/backup-model }] }",
        "  broken: { strategy: fallback, targets: [{ model: dead/dead-model }] }",
        "keys:",
        `  - { name: tester, hash: "${hash(key)}", org: exp-org, routing_rule: house }`,
        `  - { name: other, hash: "${hash(otherKey)}", org: exp-other }`,
        "",
      ].join("\n"),
  });
});

afterAll(async () => {
  await test?.close();
});

async function api(
  method: string,
  path: string,
  body?: unknown,
  options: { as?: string; confirm?: boolean } = {},
) {
  const answer = await fetch(`${test.gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.as ?? key}`,
      "content-type": "application/json",
      ...(options.confirm ? { "x-floopy-confirm": "experiments" } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in assertions
  return { status: answer.status, body: (await answer.json()) as Record<string, any> };
}

async function chat(session: string | null) {
  const answer = await fetch(`${test.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...(session === null ? {} : { "floopy-session-id": session }),
    },
    // The body names the dead target: after a rule's own targets it adds nothing that answers.
    body: JSON.stringify({
      model: "dead/dead-model",
      messages: [{ role: "user", content: "which variant?" }],
    }),
  });
  await answer.arrayBuffer();
  return {
    status: answer.status,
    id: String(answer.headers.get("floopy-request-id")),
    provider: answer.headers.get("floopy-provider"),
  };
}

describe("experiments", () => {
  it("splits traffic between two rules, sticky per session, and rolls back idempotently", async () => {
    const body = {
      name: "candidate vs house",
      variant_a_routing_rule_id: "house",
      variant_b_routing_rule_id: "candidate",
      split_percentage: 50,
    };
    const unconfirmed = await api("POST", "/v1/experiments", body);
    expect(unconfirmed).toMatchObject({ status: 400, body: { error: { code: "confirmation_required" } } });
    expect((await api("GET", "/v1/experiments")).body.items).toEqual([]);

    const created = await api("POST", "/v1/experiments", body, { confirm: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, status: "active", ended_at: null });
    const id = created.body.id as string;
    expect((await api("POST", "/v1/experiments", body, { confirm: true })).status).toBe(409);
    const unknownRule = await api(
      "POST",
      "/v1/experiments",
      { ...body, variant_b_routing_rule_id: "nope" },
      { confirm: true },
    );
    expect(unknownRule).toMatchObject({ status: 400, body: { error: { code: "invalid_body" } } });
    expect(unknownRule.body.error.message).toContain("variant_b_routing_rule_id");

    const served = { openai: 0, backup: 0 };
    let lastId = "";
    for (let index = 0; index < 60; index++) {
      const answer = await chat(`visitor-${index}`);
      expect(answer.status).toBe(200);
      served[answer.provider as keyof typeof served]++;
      lastId = answer.id;
    }
    expect(served.openai).toBeGreaterThan(10);
    expect(served.backup).toBeGreaterThan(10);
    // Sticky: one session always gets the same variant.
    const sticky = new Set<string | null>();
    for (let index = 0; index < 6; index++) sticky.add((await chat("returning-visitor")).provider);
    expect(sticky.size).toBe(1);

    const record = await storedRecord(test, lastId);
    const decision = await api("GET", `/v1/decisions/${lastId}`);
    expect(decision.body.experiment_id).toBe(id);
    expect(decision.body.variant).toBe(record.provider === "backup" ? "B" : "A");
    expect(decision.body.rule).toBe(record.provider === "backup" ? "candidate" : "house");

    const results = await api("GET", `/v1/experiments/${id}/results`);
    expect(results.status).toBe(200);
    expect(results.body.experiment_id).toBe(id);
    expect(results.body.variant_a.routing_rule_id).toBe("house");
    expect(results.body.variant_b.routing_rule_id).toBe("candidate");
    expect(results.body.variant_a.sample_size + results.body.variant_b.sample_size).toBe(66);
    expect(results.body.variant_a.success_rate).toBe(1);
    expect(results.body.variant_b.success_rate).toBe(1);
    expect(["tie", null]).toContain(results.body.winner);
    expect(results.body.variant_a.average_latency_ms).toBeGreaterThan(0);

    expect((await api("POST", `/v1/experiments/${id}/rollback`)).status).toBe(400);
    const rolledBack = await api("POST", `/v1/experiments/${id}/rollback`, undefined, { confirm: true });
    expect(rolledBack.body).toMatchObject({ id, status: "rolled_back" });
    const again = await api("POST", `/v1/experiments/${id}/rollback`, undefined, { confirm: true });
    expect(again).toMatchObject({
      status: 200,
      body: { id, status: "rolled_back", ended_at: rolledBack.body.ended_at },
    });
    for (let index = 0; index < 10; index++) expect((await chat(`visitor-${index}`)).provider).toBe("openai");
  });

  it("names the better variant only once the difference is significant", async () => {
    const created = await api(
      "POST",
      "/v1/experiments",
      { name: "broken vs house", variant_a_routing_rule_id: "house", variant_b_routing_rule_id: "broken" },
      { confirm: true },
    );
    expect(created.body.split_percentage).toBe(50);
    const id = created.body.id as string;
    let answered = 0;
    for (let index = 0; index < 5; index++) answered += (await chat(null)).status === 200 ? 1 : 0;
    expect((await api("GET", `/v1/experiments/${id}/results`)).body.winner).toBe(null);
    for (let index = 0; index < 95; index++) answered += (await chat(null)).status === 200 ? 1 : 0;
    const results = await api("GET", `/v1/experiments/${id}/results`);
    expect(results.body.variant_b.success_rate).toBe(0);
    expect(results.body.variant_a.sample_size).toBe(answered);
    expect(results.body.winner).toBe("A");
    expect(results.body.test).toMatchObject({ name: "two_proportion_z_test", metric: "success_rate" });
    await api("POST", `/v1/experiments/${id}/rollback`, undefined, { confirm: true });
  });

  it("answers another org's experiment exactly as a missing one", async () => {
    const list = await api("GET", "/v1/experiments?limit=1");
    expect(list.body.has_more).toBe(true);
    const next = await api("GET", `/v1/experiments?limit=1&cursor=${list.body.next_cursor}`);
    expect(next.body.items[0].id).not.toBe(list.body.items[0].id);
    const id = list.body.items[0].id as string;
    const foreign = await api("GET", `/v1/experiments/${id}`, undefined, { as: otherKey });
    const missing = await api("GET", "/v1/experiments/exp_missing", undefined, { as: otherKey });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body).replace(id, "X")).toBe(
      JSON.stringify(missing.body).replace("exp_missing", "X"),
    );
  });

  it("lets an operator's admin key list any org's experiments and prompts, and roll an experiment back", async () => {
    const created = await api(
      "POST",
      "/v1/experiments",
      { name: "admin stops it", variant_a_routing_rule_id: "house", variant_b_routing_rule_id: "candidate" },
      { confirm: true },
    );
    const prompt = await api("POST", "/v1/prompts", {
      name: `admin-${randomBytes(3).toString("hex")}`,
      messages: [{ role: "user", content: "hi" }],
    });
    const id = created.body.id as string;
    const listed = await api("GET", "/admin/experiments?org=exp-org", undefined, { as: ADMIN_KEY });
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toMatchObject({ id, org_id: "exp-org", status: "active" });
    expect((await api("GET", "/admin/experiments", undefined, { as: ADMIN_KEY })).status).toBe(400);
    expect((await api("GET", `/admin/experiments/${id}`, undefined, { as: key })).status).toBe(403);
    const prompts = await api("GET", "/admin/prompts?org=exp-org", undefined, { as: ADMIN_KEY });
    expect(prompts.body.items.map((item: { id: string }) => item.id)).toContain(prompt.body.id);
    expect(
      (await api("GET", `/admin/prompts/${prompt.body.id}`, undefined, { as: ADMIN_KEY })).body.org_id,
    ).toBe("exp-org");

    expect(
      (await api("POST", `/admin/experiments/${id}/rollback`, undefined, { as: ADMIN_KEY })).status,
    ).toBe(400);
    const stopped = await api("POST", `/admin/experiments/${id}/rollback`, undefined, {
      as: ADMIN_KEY,
      confirm: true,
    });
    expect(stopped.body).toMatchObject({ id, status: "rolled_back" });
    expect((await api("GET", `/v1/experiments/${id}`)).body.status).toBe("rolled_back");
    for (let index = 0; index < 10; index++) expect((await chat(`admin-${index}`)).provider).toBe("openai");
    const audit = await api("GET", "/admin/audit?resource=experiments", undefined, { as: ADMIN_KEY });
    expect(
      audit.body.items.some(
        (entry: { action: string; resource_id: string }) =>
          entry.action === "experiments.rollback" && entry.resource_id === id,
      ),
    ).toBe(true);
  });
});
