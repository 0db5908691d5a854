/**
 * The admin API beyond routing rules, end to end over a real socket: orgs, projects and keys made
 * through `/admin/…` carry traffic at once; lists never show a key or its hash; a revoked key is
 * refused by the very next request; constraints are read and replaced through the own API (a
 * gateway key, its own org) and the admin API (any org); and every change is in the audit log
 * with who made it and hashes of the object before and after.
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/control/api-keys.js";
import { objectHash } from "../src/protocol/floopy-api/object-hash.js";
import { PROVIDER_KEY, startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;
const CONFIG_KEY = `fp_config_${randomBytes(12).toString("hex")}`;
let test: TestGateway;
let adminKeyId = "";

beforeAll(async () => {
  test = await startTestGateway({
    env: { FLOOPY_ADMIN_KEY: ADMIN_KEY },
    configText: [
      "keys:",
      `  - { name: from-file, hash: "${hashApiKey(CONFIG_KEY)}", rpm: 600, tpm: 200000, monthly_budget_usd: 50 }`,
      "routing_rules:",
      "  cheap:",
      "    strategy: fallback",
      "    targets: [{ model: openai/gpt-4o-mini }]",
      "",
    ].join("\n"),
  });
  const stored = await test.gateway.stores.control.findApiKeyByHash(hashApiKey(ADMIN_KEY));
  adminKeyId = stored?.id ?? "";
});
beforeEach(() => test.fake.reset());
afterAll(async () => {
  await test?.close();
});

interface Call {
  method?: string;
  path: string;
  body?: unknown;
  key?: string | null;
  headers?: Record<string, string>;
}

async function call({ method = "GET", path, body, key = ADMIN_KEY, headers = {} }: Call) {
  const response = await fetch(`${test.gateway.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text === "" ? undefined : JSON.parse(text) };
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

function chat(key: string) {
  return new OpenAI({
    baseURL: `${test.gateway.url}/v1`,
    apiKey: key,
    maxRetries: 0,
  }).chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hello" }],
  });
}

/** The object as the audit log hashes it: as the API answers it, without the clock-derived status. */
function stateHash(object: Record<string, unknown>): string {
  const { status: _status, key: _key, ...state } = object;
  return objectHash(state);
}

describe("admin credentials on every admin resource", () => {
  it("answers no key with 401 and a gateway key with 403, on reads and writes alike", async () => {
    const calls: Call[] = [
      { path: "/admin/orgs" },
      { method: "POST", path: "/admin/orgs", body: { name: "x" } },
      { path: "/admin/projects" },
      { path: "/admin/keys" },
      { method: "POST", path: "/admin/keys", body: { name: "x" } },
      { method: "PATCH", path: "/admin/keys/key_x", body: { name: "x" } },
      { method: "DELETE", path: "/admin/keys/key_x" },
      { path: "/admin/constraints/default" },
      { path: "/admin/audit" },
    ];
    for (const each of calls) {
      const missing = await call({ ...each, key: null });
      expect(missing.status, `${each.method ?? "GET"} ${each.path}`).toBe(401);
      expect(missing.json.error.code).toBe("INVALID_API_KEY");
      const gatewayKey = await call({ ...each, key: TEST_KEY });
      expect(gatewayKey.status, `${each.method ?? "GET"} ${each.path}`).toBe(403);
      expect(gatewayKey.json.error.code).toBe("FORBIDDEN");
    }
    expect((await call({ path: "/admin/orgs?limit=200" })).json.items).not.toContainEqual(
      expect.objectContaining({ name: "x" }),
    );
  });
});

describe("orgs and projects", () => {
  it("creates, reads, lists, renames and refuses a taken id", async () => {
    const id = unique("acme");
    const created = await call({ method: "POST", path: "/admin/orgs", body: { id, name: "Acme" } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ object: "org", id, name: "Acme", created_at: expect.any(String) });
    expect((await call({ path: `/admin/orgs/${id}` })).json).toEqual(created.json);
    const renamed = await call({ method: "PATCH", path: `/admin/orgs/${id}`, body: { name: "Acme Ltd" } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toEqual({ ...created.json, name: "Acme Ltd" });
    const list = await call({ path: "/admin/orgs?limit=200" });
    expect(list.json.items).toContainEqual(renamed.json);
    expect(list.json.items).toContainEqual(expect.objectContaining({ id: "default" }));

    const taken = await call({ method: "POST", path: "/admin/orgs", body: { id, name: "Other" } });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe("conflict");
    const generated = await call({ method: "POST", path: "/admin/orgs", body: { name: "No id given" } });
    expect(generated.status).toBe(201);
    expect(generated.json.id).toMatch(/^org_/);

    const missing = await call({ path: "/admin/orgs/no-such-org" });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
    expect(
      (await call({ method: "PATCH", path: "/admin/orgs/no-such-org", body: { name: "x" } })).status,
    ).toBe(404);
  });

  it("creates a project, creating its org when absent, and lists by org", async () => {
    const org = unique("implicit-org");
    const id = unique("web");
    const created = await call({ method: "POST", path: "/admin/projects", body: { org, name: "Web", id } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      object: "project",
      id,
      org_id: org,
      name: "Web",
      created_at: expect.any(String),
    });
    expect((await call({ path: `/admin/orgs/${org}` })).json).toMatchObject({ id: org, name: org });
    expect((await call({ path: `/admin/projects?org=${org}` })).json.items).toEqual([created.json]);
    expect((await call({ path: `/admin/projects/${id}` })).json).toEqual(created.json);
    const taken = await call({
      method: "POST",
      path: "/admin/projects",
      body: { org: "default", name: "x", id },
    });
    expect(taken.status).toBe(409);
    expect((await call({ path: "/admin/projects/nope" })).status).toBe(404);
  });

  it("pages orgs with a signed cursor", async () => {
    for (let index = 0; index < 3; index++) {
      await call({ method: "POST", path: "/admin/orgs", body: { name: `paged ${index}` } });
    }
    const all = (await call({ path: "/admin/orgs?limit=200" })).json.items.map(
      (org: { id: string }) => org.id,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const page = await call({ path: `/admin/orgs${query}` });
      expect(page.status).toBe(200);
      expect(page.json.has_more).toBe(page.json.next_cursor !== null);
      seen.push(...page.json.items.map((org: { id: string }) => org.id));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
    expect((await call({ path: "/admin/orgs?cursor=forged.cursor" })).json.error.code).toBe(
      "invalid_request",
    );
  });

  it("answers invalid bodies with 400 invalid_body naming the field", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/admin/orgs", { name: "x", colour: "blue" }, "colour"],
      ["POST", "/admin/orgs", { name: "" }, "name"],
      ["POST", "/admin/orgs", { id: "bad id!", name: "x" }, "id"],
      ["POST", "/admin/orgs", "{not json", "parse"],
      ["PATCH", "/admin/orgs/default", { name: 7 }, "name"],
      ["POST", "/admin/projects", { name: "x" }, "org"],
      ["POST", "/admin/keys", { org: "default" }, "name"],
      ["POST", "/admin/keys", { name: "x", rpm: 0 }, "rpm"],
      ["POST", "/admin/keys", { name: "x", tpm: 1.5 }, "tpm"],
      ["POST", "/admin/keys", { name: "x", monthly_budget_usd: -1 }, "monthly_budget_usd"],
      ["POST", "/admin/keys", { name: "x", routing_rule: "no-such-rule" }, "routing_rule"],
      ["POST", "/admin/keys", { name: "x", expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
      ["POST", "/admin/keys", { name: "x", expires_at: "tomorrow" }, "expires_at"],
      ["POST", "/admin/keys", { name: "x", admin: true, project: "p" }, "project"],
      ["POST", "/admin/keys", { name: "x", scope: "admin" }, "scope"],
    ];
    for (const [method, path, body, field] of cases) {
      const { status, json } = await call({ method, path, body });
      expect(status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(json.error.code).toBe("invalid_body");
      expect(json.error.message).toContain(field);
    }
  });
});

describe("keys", () => {
  it("creates a key that works at once, in an org and project created for it", async () => {
    const org = unique("key-org");
    const project = unique("key-project");
    const created = await call({
      method: "POST",
      path: "/admin/keys",
      body: { name: "ci", org, project, rpm: 600, tpm: 200_000, monthly_budget_usd: 50 },
    });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(key).toMatch(/^fp_/);
    expect(created.json).toMatchObject({
      object: "api_key",
      id: expect.stringMatching(/^key_/),
      name: "ci",
      org_id: org,
      project_id: project,
      scope: "gateway",
      source: "admin",
      routing_rule: null,
      rpm: 600,
      tpm: 200_000,
      monthly_budget_usd: 50,
      expires_at: null,
      revoked_at: null,
      status: "active",
      display_prefix: `${key.slice(0, 7)}…`,
    });
    expect((await call({ path: `/admin/orgs/${org}` })).status).toBe(200);
    expect((await call({ path: `/admin/projects/${project}` })).json.org_id).toBe(org);

    const answer = await chat(key);
    expect(answer.choices[0]?.message.content).toBe("Echo: hello");
    expect(test.fake.requests).toHaveLength(1);

    // The key is answered once: neither reads nor lists show it or its hash.
    const hash = hashApiKey(key).slice("sha256:".length);
    const read = await call({ path: `/admin/keys/${created.json.id}` });
    const { key: _shown, ...withoutKey } = created.json;
    expect(read.json).toEqual(withoutKey);
    const list = await call({ path: "/admin/keys?limit=200" });
    expect(list.json.items).toContainEqual(withoutKey);
    for (const text of [read.text, list.text, (await call({ path: "/admin/audit?limit=200" })).text]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(hash);
      expect(text).not.toContain(PROVIDER_KEY);
    }
    expect((await call({ path: `/admin/keys?org=${org}` })).json.items).toEqual([withoutKey]);
  });

  it("changes a key's limits, name, rule and expiry in place; null clears", async () => {
    const created = (
      await call({ method: "POST", path: "/admin/keys", body: { name: "to-change", rpm: 10 } })
    ).json;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const changed = await call({
      method: "PATCH",
      path: `/admin/keys/${created.id}`,
      body: {
        name: "changed",
        rpm: 20,
        tpm: 3000,
        monthly_budget_usd: 1.25,
        routing_rule: "cheap",
        expires_at: expiresAt,
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      id: created.id,
      name: "changed",
      rpm: 20,
      tpm: 3000,
      monthly_budget_usd: 1.25,
      routing_rule: "cheap",
      expires_at: expiresAt,
    });
    expect(await test.gateway.services.snapshot.keyByHash(hashApiKey(created.key))).toMatchObject({
      rpm: 20,
      tpm: 3000,
      monthlyBudgetUsd: 1.25,
      routingRule: "cheap",
    });
    const cleared = await call({
      method: "PATCH",
      path: `/admin/keys/${created.id}`,
      body: { rpm: null, tpm: null, monthly_budget_usd: null, routing_rule: null, expires_at: null },
    });
    expect(cleared.json).toMatchObject({
      name: "changed",
      rpm: null,
      tpm: null,
      monthly_budget_usd: null,
      routing_rule: null,
      expires_at: null,
    });

    const unknown = await call({
      method: "PATCH",
      path: `/admin/keys/${created.id}`,
      body: { scope: "admin" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({
      code: "invalid_body",
      message: expect.stringContaining("scope"),
    });
    expect((await call({ method: "PATCH", path: "/admin/keys/key_none", body: { name: "x" } })).status).toBe(
      404,
    );
  });

  it("shows config-file keys with the file's limits, and leaves changing them to the file", async () => {
    const fromFile = await test.gateway.stores.control.findApiKeyByHash(hashApiKey(CONFIG_KEY));
    expect((await call({ path: `/admin/keys/${fromFile?.id}` })).json).toMatchObject({
      source: "config",
      display_prefix: "(config)",
      rpm: 600,
      tpm: 200_000,
      monthly_budget_usd: 50,
    });
    const refused = await call({ method: "PATCH", path: `/admin/keys/${fromFile?.id}`, body: { rpm: 5 } });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: "conflict",
      message: expect.stringContaining("config file"),
    });
  });

  it("revokes a key: the very next request with it is a 401, and revoking again changes nothing", async () => {
    const created = (await call({ method: "POST", path: "/admin/keys", body: { name: "short-lived" } })).json;
    expect((await chat(created.key)).choices).toHaveLength(1);
    const revoked = await call({ method: "DELETE", path: `/admin/keys/${created.id}` });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: created.id, status: "revoked", revoked_at: expect.any(String) });
    const refused = await chat(created.key).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    const again = await call({ method: "DELETE", path: `/admin/keys/${created.id}` });
    expect(again.json.revoked_at).toBe(revoked.json.revoked_at);
    const patched = await call({ method: "PATCH", path: `/admin/keys/${created.id}`, body: { name: "x" } });
    expect(patched.status).toBe(409);
    expect((await call({ method: "DELETE", path: "/admin/keys/key_none" })).status).toBe(404);
  });

  it("makes admin keys that administer and carry no traffic", async () => {
    const made = (
      await call({ method: "POST", path: "/admin/keys", body: { name: "second admin", admin: true } })
    ).json;
    expect(made.scope).toBe("admin");
    expect((await call({ path: "/admin/keys", key: made.key })).status).toBe(200);
    expect(await chat(made.key).catch((error: unknown) => error)).toBeInstanceOf(
      OpenAI.PermissionDeniedError,
    );
  });
});

describe("constraints", () => {
  const values = {
    cost_limit_monthly_usd: 100.5,
    token_window_seconds: 3600,
    max_tokens_per_window: 500_000,
    max_requests_per_minute: 120,
  };
  const cleared = {
    cost_limit_monthly_usd: null,
    token_window_seconds: null,
    max_tokens_per_window: null,
    max_requests_per_minute: null,
  };

  it("lets a gateway key read and replace its own org's, with the four keys at the top level", async () => {
    const org = unique("tenant");
    const key = (await call({ method: "POST", path: "/admin/keys", body: { name: "tenant", org } })).json.key;
    const initial = await call({ path: "/v1/constraints", key });
    expect(initial.status).toBe(200);
    expect(initial.json).toEqual(cleared);

    const put = await call({ method: "PUT", path: "/v1/constraints", key, body: values });
    expect(put.status).toBe(200);
    expect(put.json).toEqual(values);
    expect((await call({ path: "/v1/constraints", key })).json).toEqual(values);
    expect(test.gateway.services.snapshot.constraints(org)).toMatchObject({
      orgId: org,
      costLimitMonthlyUsd: 100.5,
      maxRequestsPerMinute: 120,
    });
    // Another org's constraints are untouched.
    expect((await call({ path: "/v1/constraints", key: TEST_KEY })).json).not.toEqual(values);

    // A full replace: what is left out is cleared, like a null.
    const partial = await call({
      method: "PUT",
      path: "/v1/constraints",
      key,
      body: { max_requests_per_minute: 60 },
    });
    expect(partial.json).toEqual({ ...cleared, max_requests_per_minute: 60 });

    const admin = await call({ path: `/admin/constraints/${org}` });
    expect(admin.json).toEqual({
      object: "constraints",
      org_id: org,
      ...cleared,
      max_requests_per_minute: 60,
      updated_at: expect.any(String),
    });
    const adminPut = await call({
      method: "PUT",
      path: `/admin/constraints/${org}`,
      body: { ...values, token_window_seconds: null },
    });
    expect(adminPut.status).toBe(200);
    expect((await call({ path: "/v1/constraints", key })).json).toEqual({
      ...values,
      token_window_seconds: null,
    });
    expect((await call({ path: "/admin/constraints/no-such-org" })).status).toBe(404);
  });

  it("refuses unknown keys and values that are not positive, changing nothing", async () => {
    const before = (await call({ path: "/v1/constraints", key: TEST_KEY })).json;
    const bodies: Array<[unknown, string]> = [
      [{ ...values, max_requests_per_min: 5 }, "max_requests_per_min"],
      [{ cost_limit_monthly_usd: 0 }, "cost_limit_monthly_usd"],
      [{ token_window_seconds: -5 }, "token_window_seconds"],
      [{ max_tokens_per_window: 2.5 }, "max_tokens_per_window"],
      [{ max_requests_per_minute: "60" }, "max_requests_per_minute"],
      [[values], "JSON object"],
    ];
    for (const [body, field] of bodies) {
      for (const path of ["/v1/constraints", "/admin/constraints/default"]) {
        const key = path.startsWith("/v1") ? TEST_KEY : ADMIN_KEY;
        const { status, json } = await call({ method: "PUT", path, key, body });
        expect(status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(json.error.code).toBe("invalid_body");
        expect(json.error.message).toContain(field);
      }
    }
    expect((await call({ path: "/v1/constraints", key: TEST_KEY })).json).toEqual(before);
  });

  it("answers /v1/constraints to gateway keys only", async () => {
    expect((await call({ path: "/v1/constraints", key: null })).status).toBe(401);
    const admin = await call({ path: "/v1/constraints", key: ADMIN_KEY });
    expect(admin.status).toBe(403);
    expect(admin.json.error.code).toBe("FORBIDDEN");
  });
});

describe("the audit log", () => {
  it("lists every change newest first, with who made it and hashes that chain", async () => {
    const created = (await call({ method: "POST", path: "/admin/keys", body: { name: "audited" } })).json;
    const updated = (await call({ method: "PATCH", path: `/admin/keys/${created.id}`, body: { rpm: 42 } }))
      .json;
    const revoked = (await call({ method: "DELETE", path: `/admin/keys/${created.id}` })).json;

    const entries = (await call({ path: "/admin/audit?resource=keys&limit=200" })).json.items.filter(
      (entry: { resource_id: string }) => entry.resource_id === created.id,
    );
    expect(entries.map((entry: { action: string }) => entry.action)).toEqual([
      "keys.revoke",
      "keys.update",
      "keys.create",
    ]);
    const [revoke, update, create] = entries;
    for (const entry of entries) {
      expect(entry).toMatchObject({
        object: "audit_entry",
        id: expect.stringMatching(/^aud_/),
        actor_key_id: adminKeyId,
        resource: "keys",
        created_at: expect.any(String),
        detail: { request_id: expect.any(String) },
      });
    }
    expect(create.before_hash).toBeNull();
    expect(create.after_hash).toBe(stateHash(created));
    expect(update.before_hash).toBe(create.after_hash);
    expect(update.after_hash).toBe(stateHash(updated));
    expect(update.detail.changed).toEqual(["rpm"]);
    expect(revoke.before_hash).toBe(update.after_hash);
    expect(revoke.after_hash).toBe(stateHash(revoked));
  });

  it("records routing-rule writes, own-API constraint writes and implicit orgs, and filters by resource", async () => {
    const rule = unique("audited-rule");
    await call({
      method: "POST",
      path: "/admin/routing_rules",
      headers: { "x-floopy-confirm": "routing_rules" },
      body: { name: rule, strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }] },
    });
    await call({
      method: "DELETE",
      path: `/admin/routing_rules/${rule}`,
      headers: { "x-floopy-confirm": "routing_rules" },
    });
    const rules = (await call({ path: "/admin/audit?resource=routing_rules" })).json.items.filter(
      (entry: { resource_id: string }) => entry.resource_id === rule,
    );
    expect(rules.map((entry: { action: string }) => entry.action)).toEqual([
      "routing_rules.delete",
      "routing_rules.create",
    ]);
    expect(rules[0].after_hash).toBeNull();
    expect(rules[0].before_hash).toBe(rules[1].after_hash);

    const gatewayKeyId = (await test.gateway.stores.control.findApiKeyByHash(hashApiKey(TEST_KEY)))?.id;
    await call({
      method: "PUT",
      path: "/v1/constraints",
      key: TEST_KEY,
      body: { max_requests_per_minute: 7 },
    });
    const [latest] = (await call({ path: "/admin/audit?resource=constraints&limit=1" })).json.items;
    expect(latest).toMatchObject({
      action: "constraints.replace",
      resource_id: "default",
      actor_key_id: gatewayKeyId,
    });
    expect(latest.after_hash).toBe(
      objectHash({
        org_id: "default",
        cost_limit_monthly_usd: null,
        token_window_seconds: null,
        max_tokens_per_window: null,
        max_requests_per_minute: 7,
      }),
    );
    // The same values again are no change, and leave no entry.
    await call({
      method: "PUT",
      path: "/v1/constraints",
      key: TEST_KEY,
      body: { max_requests_per_minute: 7 },
    });
    expect((await call({ path: "/admin/audit?resource=constraints&limit=1" })).json.items[0].id).toBe(
      latest.id,
    );

    const org = unique("implicit");
    await call({ method: "POST", path: "/admin/keys", body: { name: "makes an org", org } });
    const orgs = (await call({ path: "/admin/audit?resource=orgs" })).json.items;
    expect(orgs).toContainEqual(
      expect.objectContaining({
        action: "orgs.create",
        resource_id: org,
        detail: expect.objectContaining({ implicit: true }),
      }),
    );
    const all = (await call({ path: "/admin/audit?limit=200" })).json.items;
    expect(new Set(all.map((entry: { resource: string }) => entry.resource))).toEqual(
      new Set(["keys", "orgs", "projects", "routing_rules", "constraints"]),
    );
  });

  it("pages newest first with a signed cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=3" : `?limit=3&cursor=${encodeURIComponent(cursor)}`;
      const page = await call({ path: `/admin/audit${query}` });
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((entry: { id: string }) => entry.id));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    const all = (await call({ path: "/admin/audit?limit=200" })).json.items;
    expect(seen).toEqual(all.map((entry: { id: string }) => entry.id));
    const times = all.map((entry: { created_at: string }) => Date.parse(entry.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await call({ path: "/admin/audit?cursor=abc.def" })).status).toBe(400);
  });
});
