/**
 * Routing rules through the admin API, end to end: admin-scoped keys (and only they) manage
 * `/admin/routing_rules`; a rule created, replaced or deleted there routes the very next request;
 * the config file's rules are listed but owned by the file; validation, confirmation, conflicts and
 * paging answer in Floopy's own error shape.
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/control/api-keys.js";
import { newKeyRecord } from "../src/control/bootstrap-keys.js";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;
let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    env: { FLOOPY_ADMIN_KEY: ADMIN_KEY },
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
        "routing_rules:",
        "  from-file:",
        "    strategy: fallback",
        "    targets: [{ model: openai/gpt-4o-mini }]",
        "",
      ].join("\n"),
  });
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
});
afterAll(async () => {
  await test?.close();
});

interface Call {
  method?: string;
  path: string;
  body?: unknown;
  key?: string | null;
  confirm?: boolean;
  headers?: Record<string, string>;
}

async function admin({ method = "GET", path, body, key = ADMIN_KEY, confirm = true, headers = {} }: Call) {
  const response = await fetch(`${test.gateway.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(confirm && method !== "GET" ? { "x-floopy-confirm": "routing_rules" } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

/** Which provider answers a chat request routed by `rule`. */
async function answeredBy(rule: string): Promise<string | null> {
  const { response } = await test.client.chat.completions
    .create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
      { headers: { "floopy-routing-rule": rule } },
    )
    .withResponse();
  return response.headers.get("floopy-provider");
}

const rule = (name: string, models: string[], extra: Record<string, unknown> = {}) => ({
  name,
  strategy: "fallback",
  targets: models.map((model) => ({ model })),
  ...extra,
});

describe("admin credentials", () => {
  it("refuses a missing key with 401 and a gateway key with 403, in Floopy's error shape", async () => {
    const missing = await admin({ path: "/admin/routing_rules", key: null });
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe("INVALID_API_KEY");
    expect(missing.headers.get("floopy-request-id")).toMatch(/\S/);
    const gatewayKey = await admin({ path: "/admin/routing_rules", key: TEST_KEY });
    expect(gatewayKey.status).toBe(403);
    expect(gatewayKey.json.error).toEqual({
      code: "FORBIDDEN",
      message: expect.stringContaining("not an admin key"),
    });
    const unknown = await admin({
      path: "/admin/routing_rules",
      key: `fp_${randomBytes(20).toString("hex")}`,
    });
    expect(unknown.status).toBe(401);
  });

  it("does not let an admin key carry traffic", async () => {
    const client = new OpenAI({ baseURL: `${test.gateway.url}/v1`, apiKey: ADMIN_KEY, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("FORBIDDEN");
    expect(test.fake.requests).toHaveLength(0);
  });

  it("stores FLOOPY_ADMIN_KEY as an admin-scoped key, by hash", async () => {
    const stored = await test.gateway.stores.control.findApiKeyByHash(hashApiKey(ADMIN_KEY));
    expect(stored).toMatchObject({ scope: "admin", source: "bootstrap", name: "admin" });
  });
});

describe("managing routing rules", () => {
  it("lists the config file's rules, marked as owned by the file", async () => {
    const { status, json } = await admin({ path: "/admin/routing_rules" });
    expect(status).toBe(200);
    expect(json.items).toContainEqual({
      object: "routing_rule",
      id: "from-file",
      name: "from-file",
      source: "config",
      strategy: "fallback",
      targets: [{ model: "openai/gpt-4o-mini" }],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(json).toMatchObject({ object: "list", has_more: false, next_cursor: null });
  });

  it("creates a rule that routes the very next request, and refuses a second create", async () => {
    const created = await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("to-backup", ["backup/backup-model"], {
        retry: { attempts: 1, on: ["5xx"] },
        success_floor: 0.8,
      }),
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: "to-backup",
      source: "admin",
      strategy: "fallback",
      targets: [{ model: "backup/backup-model" }],
      retry: { attempts: 1, on: ["5xx"] },
      success_floor: 0.8,
    });
    expect(await answeredBy("to-backup")).toBe("backup");
    expect(test.backup.requests).toHaveLength(1);
    expect((await admin({ path: "/admin/routing_rules/to-backup" })).json).toEqual(created.json);

    const again = await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("to-backup", ["openai/gpt-4o-mini"]),
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("CONFLICT");
    expect(await answeredBy("to-backup")).toBe("backup");
  });

  it("replaces a rule in place with PUT (200), creates with PUT (201), and applies each at once", async () => {
    await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("swap", ["backup/backup-model"]),
    });
    expect(await answeredBy("swap")).toBe("backup");
    const replaced = await admin({
      method: "PUT",
      path: "/admin/routing_rules/swap",
      body: { strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }] },
    });
    expect(replaced.status).toBe(200);
    expect(Date.parse(replaced.json.updated_at)).toBeGreaterThanOrEqual(Date.parse(replaced.json.created_at));
    expect(await answeredBy("swap")).toBe("openai");

    const created = await admin({
      method: "PUT",
      path: "/admin/routing_rules/put-made",
      body: rule("put-made", ["backup/backup-model"]),
    });
    expect(created.status).toBe(201);
    expect(await answeredBy("put-made")).toBe("backup");
  });

  it("deletes a rule (204): the header naming it is then a 400, and the rule a 404", async () => {
    await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("short-lived", ["backup/backup-model"]),
    });
    expect(await answeredBy("short-lived")).toBe("backup");
    const deleted = await admin({ method: "DELETE", path: "/admin/routing_rules/short-lived" });
    expect(deleted.status).toBe(204);
    expect(deleted.json).toBeUndefined();
    const error = await answeredBy("short-lived").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("no routing rule named 'short-lived'");
    const gone = await admin({ path: "/admin/routing_rules/short-lived" });
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe("not_found");
    expect((await admin({ method: "DELETE", path: "/admin/routing_rules/short-lived" })).status).toBe(404);
  });

  it("leaves the config file's rules to the file: PUT and DELETE are 409", async () => {
    const put = await admin({
      method: "PUT",
      path: "/admin/routing_rules/from-file",
      body: rule("from-file", ["backup/backup-model"]),
    });
    expect(put.status).toBe(409);
    expect(put.json.error.message).toContain("config file");
    const deleted = await admin({ method: "DELETE", path: "/admin/routing_rules/from-file" });
    expect(deleted.status).toBe(409);
    const post = await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("from-file", ["backup/backup-model"]),
    });
    expect(post.status).toBe(409);
    expect(post.json.error.message).toContain("config file");
    expect(await answeredBy("from-file")).toBe("openai");
  });

  it("refuses to delete a rule a key still uses as its default", async () => {
    await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("in-use", ["backup/backup-model"]),
    });
    const key = `fp_user_${randomBytes(12).toString("hex")}`;
    const record = await test.gateway.stores.control.insertApiKey({
      ...newKeyRecord("user", key, "cli"),
      routingRule: "in-use",
    });
    const refused = await admin({ method: "DELETE", path: "/admin/routing_rules/in-use" });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain(record.id);
    await test.gateway.stores.control.revokeApiKey(record.id, new Date());
    expect((await admin({ method: "DELETE", path: "/admin/routing_rules/in-use" })).status).toBe(204);
  });

  it("needs X-Floopy-Confirm: routing_rules on every change", async () => {
    for (const call of [
      { method: "POST", path: "/admin/routing_rules", body: rule("unconfirmed", ["backup/backup-model"]) },
      {
        method: "PUT",
        path: "/admin/routing_rules/unconfirmed",
        body: rule("unconfirmed", ["backup/backup-model"]),
      },
      { method: "DELETE", path: "/admin/routing_rules/from-file" },
    ]) {
      const { status, json } = await admin({ ...call, confirm: false });
      expect(status).toBe(400);
      expect(json.error).toEqual({
        code: "confirmation_required",
        message: expect.stringContaining("X-Floopy-Confirm"),
      });
    }
    const wrong = await admin({
      method: "POST",
      path: "/admin/routing_rules",
      body: rule("unconfirmed", ["backup/backup-model"]),
      confirm: false,
      headers: { "x-floopy-confirm": "experiments" },
    });
    expect(wrong.status).toBe(400);
    expect((await admin({ path: "/admin/routing_rules/unconfirmed" })).status).toBe(404);
  });

  it("answers invalid bodies with 400 invalid_body naming the field", async () => {
    const cases: Array<[unknown, string]> = [
      ["{not json", "parse"],
      [[1, 2], "JSON object"],
      [{ strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }] }, "name"],
      [{ ...rule("bad name!", ["openai/gpt-4o-mini"]) }, "name"],
      [{ ...rule("bad-strategy", ["openai/gpt-4o-mini"]), strategy: "fastest" }, "strategy"],
      [{ ...rule("no-targets", []) }, "targets"],
      [rule("bad-model", ["openai/gpt-4o-mini", "nowhere/none"]), "targets.1.model"],
      [rule("bad-floor", ["openai/gpt-4o-mini"], { success_floor: 1.5 }), "success_floor"],
      [rule("extra", ["openai/gpt-4o-mini"], { colour: "blue" }), "colour"],
      [rule("bad-retry", ["openai/gpt-4o-mini"], { retry: { attempts: 99 } }), "retry.attempts"],
    ];
    for (const [body, mention] of cases) {
      const { status, json } = await admin({ method: "POST", path: "/admin/routing_rules", body });
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error.code).toBe("invalid_body");
      expect(json.error.message).toContain(mention);
    }
    const mismatch = await admin({
      method: "PUT",
      path: "/admin/routing_rules/one-name",
      body: rule("another-name", ["openai/gpt-4o-mini"]),
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.error.message).toContain("path names 'one-name'");
    const list = await admin({ path: "/admin/routing_rules?limit=200" });
    expect(list.json.items.map((item: { name: string }) => item.name)).not.toContain("bad-model");
  });

  it("refuses a body over the admin limit with 413 body_too_large", async () => {
    const huge = JSON.stringify({ ...rule("huge", ["openai/gpt-4o-mini"]), pad: "x".repeat(1_100_000) });
    const { status, json } = await admin({ method: "POST", path: "/admin/routing_rules", body: huge });
    expect(status).toBe(413);
    expect(json.error.code).toBe("body_too_large");
  });

  it("pages through rules with a signed cursor and refuses a tampered one", async () => {
    for (const name of ["page-a", "page-b", "page-c"]) {
      await admin({ method: "POST", path: "/admin/routing_rules", body: rule(name, ["openai/gpt-4o-mini"]) });
    }
    const all = (await admin({ path: "/admin/routing_rules?limit=200" })).json.items.map(
      (item: { name: string }) => item.name,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const page = await admin({ path: `/admin/routing_rules${query}` });
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((item: { name: string }) => item.name));
      expect(page.json.has_more).toBe(page.json.next_cursor !== null);
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
    expect(all).toEqual([...all].sort());

    const first = (await admin({ path: "/admin/routing_rules?limit=1" })).json.next_cursor as string;
    const [payload, signature] = first.split(".");
    const forged = `${Buffer.from(JSON.stringify("a")).toString("base64url")}.${signature}`;
    // A changed first character of the signature (never the one it already has).
    const tampered = `${payload}.${signature?.startsWith("x") ? "y" : "x"}${signature?.slice(1)}`;
    for (const bad of [forged, tampered, "garbage"]) {
      const { status, json } = await admin({
        path: `/admin/routing_rules?cursor=${encodeURIComponent(bad)}`,
      });
      expect(status).toBe(400);
      expect(json.error.code).toBe("invalid_request");
    }
    expect((await admin({ path: "/admin/routing_rules?limit=0" })).status).toBe(400);
  });

  it("answers unknown admin paths with Floopy's 404", async () => {
    const { status } = await admin({ path: "/admin/nothing-here" });
    expect(status).toBe(404);
  });
});
