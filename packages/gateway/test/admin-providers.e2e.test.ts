/**
 * Providers through the admin API, end to end over real sockets and real processes: a provider
 * created on one gateway serves `<name>/<model>` there at once and on a second gateway sharing the
 * data dir within a poll, with the credential it was given; that credential appears nowhere in
 * plain text (the SQLite files, both gateways' output, /metrics, admin answers, an upstream error
 * that echoes it); an org's provider is invisible to other orgs' keys; `floopy secrets
 * rotate-master-key` reseals it, a restart with the old key skips it (and says why) without
 * failing, and a restart with the new key serves it again.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadMasterKey, seal, unseal } from "../src/control/master-key.js";
import { openStores } from "../src/store/index.js";
import { describeWithPostgres } from "./support/postgres.js";
import { floopy, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

const CANARY = `sk-canary-${randomBytes(12).toString("hex")}`;
const ORG_CANARY = `sk-orgcanary-${randomBytes(12).toString("hex")}`;
const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;
const GATEWAY_KEY = `fp_test_${randomBytes(12).toString("hex")}`;
const OLD_MASTER_KEY = randomBytes(32).toString("base64");
const NEW_MASTER_KEY = randomBytes(32).toString("hex");

let fake: FakeOpenAI;
let orgFake: FakeOpenAI;
let dataDir: string;
const running: SpawnedGateway[] = [];
/** Everything every process printed, checked for the canaries at the end. */
const outputs: string[] = [];

function env(masterKey: string): Record<string, string> {
  return {
    FLOOPY_DATA_DIR: dataDir,
    FLOOPY_MASTER_KEY: masterKey,
    FLOOPY_ADMIN_KEY: ADMIN_KEY,
    FLOOPY_BOOTSTRAP_KEY: GATEWAY_KEY,
    FLOOPY_CONTROL_POLL_MS: "100",
    FLOOPY_RECORD_FLUSH_INTERVAL_MS: "50",
    // No provider from the environment the tests run in.
    OPENAI_API_KEY: "",
    ANTHROPIC_API_KEY: "",
    GEMINI_API_KEY: "",
    GOOGLE_API_KEY: "",
  };
}

async function start(masterKey = OLD_MASTER_KEY): Promise<SpawnedGateway> {
  const gateway = await spawnGateway(env(masterKey));
  running.push(gateway);
  return gateway;
}

async function stop(gateway: SpawnedGateway): Promise<void> {
  await gateway.stop();
  outputs.push(gateway.output());
  running.splice(running.indexOf(gateway), 1);
}

async function admin(gateway: SpawnedGateway, method: string, path: string, body?: unknown, confirm = true) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(confirm && method !== "GET" ? { "x-floopy-confirm": "providers" } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  outputs.push(text);
  return { status: response.status, text, json: text === "" ? undefined : JSON.parse(text) };
}

function client(gateway: SpawnedGateway, apiKey = GATEWAY_KEY): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
}

async function chat(gateway: SpawnedGateway, model: string, apiKey = GATEWAY_KEY) {
  const { data, response } = await client(gateway, apiKey)
    .chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] })
    .withResponse();
  return { content: data.choices[0]?.message.content, provider: response.headers.get("floopy-provider") };
}

const provider = () => ({
  name: "canary-up",
  type: "openai-compatible",
  base_url: fake.url,
  api_key: CANARY,
  models: ["house-model"],
});

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: CANARY });
  orgFake = await startFakeOpenAI({ apiKey: ORG_CANARY });
  dataDir = mkdtempSync(join(tmpdir(), "floopy-admin-providers-"));
});

afterAll(async () => {
  for (const gateway of [...running]) await stop(gateway);
  await fake?.close();
  await orgFake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("providers from the admin API", () => {
  let first: SpawnedGateway;
  let second: SpawnedGateway;

  it("starts two gateways on one data dir, neither knowing the provider yet", async () => {
    [first, second] = await Promise.all([start(), start()]);
    await expect(chat(second, "canary-up/gpt-4o-mini")).rejects.toMatchObject({ status: 404 });
  });

  it("refuses bad writes in the own API's shape, changing nothing", async () => {
    const unconfirmed = await admin(first, "POST", "/admin/providers", provider(), false);
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.json.error.code).toBe("confirmation_required");
    expect(unconfirmed.json.error.message).toContain("X-Floopy-Confirm: providers");

    const unknownField = await admin(first, "POST", "/admin/providers", { ...provider(), secret: "x" });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.error.code).toBe("invalid_body");
    expect(unknownField.json.error.message).toMatch(/^secret: unknown field/);

    const unknownType = await admin(first, "POST", "/admin/providers", { ...provider(), type: "acme-ai" });
    expect(unknownType.status).toBe(400);
    expect(unknownType.json.error.code).toBe("invalid_body");
    expect(unknownType.json.error.message).toContain("openai-compatible");
    expect(unknownType.json.error.message).toContain("anthropic");

    const badUrl = await admin(first, "POST", "/admin/providers", { ...provider(), base_url: "ftp://x" });
    expect(badUrl.json.error.code).toBe("invalid_body");
    expect(badUrl.json.error.message).toMatch(/^base_url: must be an http\(s\) URL/);
    const selfLoop = await admin(first, "POST", "/admin/providers", {
      ...provider(),
      base_url: `${first.url}/v1`,
    });
    expect(selfLoop.json.error.message).toMatch(/points back at this gateway/);
    const badName = await admin(first, "POST", "/admin/providers", { ...provider(), name: "Has/Slash" });
    expect(badName.json.error.code).toBe("invalid_body");
    expect(badName.json.error.message).toMatch(/^name: /);
    const badJson = await fetch(`${first.url}/admin/providers`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "x-floopy-confirm": "providers" },
      body: `{"name":"x","api_key":"${CANARY}",}`,
    });
    const badJsonText = await badJson.text();
    expect(badJson.status).toBe(400);
    expect(badJsonText).not.toContain(CANARY);

    const gatewayKey = await fetch(`${first.url}/admin/providers`, {
      headers: { authorization: `Bearer ${GATEWAY_KEY}` },
    });
    expect(gatewayKey.status).toBe(403);
    expect((await admin(first, "GET", "/admin/providers")).json.items).toEqual([]);
  });

  it("creates a provider that serves <name>/<model> at once, with the credential it was given", async () => {
    const created = await admin(first, "POST", "/admin/providers", provider());
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      object: "provider",
      name: "canary-up",
      type: "openai-compatible",
      base_url: fake.url,
      models: ["house-model"],
      org: null,
      has_api_key: true,
      enabled: true,
    });
    expect(created.json).not.toHaveProperty("api_key");
    expect(created.text).not.toContain(CANARY);
    const again = await admin(first, "POST", "/admin/providers", provider());
    expect(again.status).toBe(409);

    fake.reset();
    expect(await chat(first, "canary-up/gpt-4o-mini")).toEqual({
      content: "Echo: hello",
      provider: "canary-up",
    });
    // A model the provider was given is known by its bare name too, as for a config-file provider.
    expect((await chat(first, "house-model")).provider).toBe("canary-up");
    expect(fake.requests.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${CANARY}`,
      `Bearer ${CANARY}`,
    ]);
    const models = await client(first).models.list();
    expect(models.data.map((model) => model.id)).toContain("house-model");
  });

  it("reaches the second gateway sharing the data dir within a poll", async () => {
    await vi.waitFor(
      async () => expect((await chat(second, "canary-up/gpt-4o-mini")).provider).toBe("canary-up"),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
  });

  it("never answers the credential: admin reads, metrics, an upstream error that echoes it", async () => {
    const listed = await admin(first, "GET", "/admin/providers");
    expect(listed.json).toMatchObject({ object: "list", has_more: false, next_cursor: null });
    expect(listed.json.items).toHaveLength(1);
    expect(listed.text).not.toContain(CANARY);
    const one = await admin(second, "GET", "/admin/providers/canary-up");
    expect(one.json).toMatchObject({ name: "canary-up", has_api_key: true, enabled: true });
    expect(one.text).not.toContain(CANARY);
    expect((await admin(first, "GET", "/admin/providers/nope")).status).toBe(404);

    fake.pushFault({ kind: "echo-credentials", status: 400 });
    const echoed = await fetch(`${first.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "canary-up/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    });
    expect(echoed.status).toBe(400);
    const echoedText = await echoed.text();
    expect(echoedText).toContain("[REDACTED]");
    expect(echoedText).not.toContain(CANARY);

    for (const gateway of [first, second]) {
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      outputs.push(metrics);
      expect(metrics).not.toContain(CANARY);
    }
  });

  it("replaces a provider (keeping its credential when none is given) and deletes it", async () => {
    const { api_key: _key, ...withoutKey } = provider();
    const replaced = await admin(first, "PUT", "/admin/providers/canary-up", {
      ...withoutKey,
      models: ["house-model", "second-model"],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ has_api_key: true, models: ["house-model", "second-model"] });
    expect((await chat(first, "second-model")).provider).toBe("canary-up");
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${CANARY}`);

    const temporary = await admin(first, "PUT", "/admin/providers/temporary", {
      ...provider(),
      name: undefined,
    });
    expect(temporary.status).toBe(201);
    expect((await admin(first, "DELETE", "/admin/providers/temporary", undefined, false)).status).toBe(400);
    expect((await admin(first, "DELETE", "/admin/providers/temporary")).status).toBe(204);
    expect((await admin(first, "DELETE", "/admin/providers/temporary")).status).toBe(404);
    await expect(chat(first, "temporary/gpt-4o-mini")).rejects.toMatchObject({ status: 404 });

    // Audited like every control change: hashes of the public object, never the credential.
    const audit = await admin(first, "GET", "/admin/audit?resource=providers");
    const actions = (audit.json as { items: Array<{ action: string; resource_id: string }> }).items.map(
      (entry) => `${entry.action} ${entry.resource_id}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        "providers.create canary-up",
        "providers.replace canary-up",
        "providers.create temporary",
        "providers.delete temporary",
      ]),
    );
    expect(audit.text).not.toContain(CANARY);
  });

  it("gives a provider stored for one org to that org's keys only", async () => {
    const created = await admin(first, "POST", "/admin/providers", {
      name: "acme-only",
      type: "openai-compatible",
      base_url: orgFake.url,
      api_key: ORG_CANARY,
      org: "acme",
    });
    expect(created.status).toBe(201);
    const { stdout } = await floopy(
      ["keys", "create", "--name", "acme-app", "--org", "acme", "--json"],
      env(OLD_MASTER_KEY),
    );
    const acmeKey = (JSON.parse(stdout) as { key: string }).key;
    // The key reaches the gateway within a poll.
    await vi.waitFor(
      async () =>
        expect(await chat(first, "acme-only/gpt-4o-mini", acmeKey)).toEqual({
          content: "Echo: hello",
          provider: "acme-only",
        }),
      { timeout: 10_000, interval: 100 },
    );
    expect(orgFake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${ORG_CANARY}`);
    // Another org's key gets exactly what a provider that does not exist answers.
    const status = async (model: string) => {
      const response = await fetch(`${first.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }),
      });
      const body = (await response.json()) as { error: { message: string; code: string } };
      return {
        status: response.status,
        code: body.error.code,
        message: body.error.message.replace(model, "M"),
      };
    };
    expect(await status("acme-only/gpt-4o-mini")).toEqual(await status("no-such-provider/gpt-4o-mini"));
    expect((await status("acme-only/gpt-4o-mini")).status).toBe(404);
  });

  it("keeps the credentials out of the database files and the gateways' output", async () => {
    await stop(first);
    await stop(second);
    const files = readdirSync(dataDir).filter((name) => name.startsWith("floopy.db"));
    expect(files).toContain("floopy.db");
    for (const file of files) {
      const bytes = readFileSync(join(dataDir, file));
      expect(bytes.includes(CANARY), file).toBe(false);
      expect(bytes.includes(ORG_CANARY), file).toBe(false);
    }
  });

  it("rotates the master key: the old key then skips the stored providers, the new one serves them", async () => {
    const rotated = await floopy(["secrets", "rotate-master-key"], {
      ...env(OLD_MASTER_KEY),
      FLOOPY_NEW_MASTER_KEY: NEW_MASTER_KEY,
    });
    outputs.push(rotated.stdout, rotated.stderr);
    expect(rotated.stdout).toContain("resealed 2 stored provider credential(s)");
    expect(rotated.stdout).toContain("set FLOOPY_MASTER_KEY to the new key on every instance");

    // Started with the old key: it serves, says which providers it cannot unseal, and skips them.
    const stale = await start(OLD_MASTER_KEY);
    await expect(chat(stale, "canary-up/gpt-4o-mini")).rejects.toMatchObject({ status: 404 });
    expect(stale.output()).toContain(
      "the stored provider 'canary-up' could not be unsealed with this master key",
    );
    expect((await admin(stale, "GET", "/admin/providers/canary-up")).json).toMatchObject({ enabled: false });
    await stop(stale);

    const fresh = await start(NEW_MASTER_KEY);
    expect((await chat(fresh, "canary-up/gpt-4o-mini")).provider).toBe("canary-up");
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${CANARY}`);
    await stop(fresh);

    // Rotating with a key that cannot unseal what is stored changes nothing.
    const wrong = await floopy(["secrets", "rotate-master-key", "--generate"], env(OLD_MASTER_KEY)).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(wrong).toMatchObject({ code: 2 });
    expect("stderr" in wrong ? wrong.stderr : "").toContain("cannot be unsealed with the current master key");
  });

  it("printed neither credential anywhere", () => {
    const everything = outputs.join("\n");
    expect(everything).toContain("floopy gateway listening");
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(ORG_CANARY);
  });
});

describe("rotating the master key kept in the data dir", () => {
  it("reseals under a generated key and rewrites master.key, printing no key", async () => {
    const directory = mkdtempSync(join(tmpdir(), "floopy-rotate-"));
    try {
      const oldKey = loadMasterKey({ fromEnv: undefined, dataDir: directory, distributed: false }).key;
      const stores = await openStores({ dataDir: directory });
      try {
        await stores.control.saveProvider({
          name: "local",
          type: "openai-compatible",
          baseUrl: "http://127.0.0.1:9/v1",
          models: null,
          orgId: null,
          sealedApiKey: seal(oldKey, CANARY),
          source: "admin",
          mode: "create",
        });
      } finally {
        await stores.close();
      }
      // An empty FLOOPY_MASTER_KEY is unset: the key is the data dir's file.
      const environment = { FLOOPY_DATA_DIR: directory, FLOOPY_MASTER_KEY: "" };
      const rotated = await floopy(["secrets", "rotate-master-key", "--generate"], environment);
      expect(rotated.stdout).toContain("resealed 1 stored provider credential(s)");
      expect(rotated.stdout).toContain(join(directory, "master.key"));
      const newKey = loadMasterKey({ fromEnv: undefined, dataDir: directory, distributed: false }).key;
      expect(newKey.equals(oldKey)).toBe(false);
      expect(rotated.stdout).not.toContain(newKey.toString("base64"));
      expect(readdirSync(directory)).not.toContain("master.key.new");
      const reopened = await openStores({ dataDir: directory });
      try {
        const sealed = (await reopened.control.getProvider("local"))?.sealedApiKey ?? "";
        expect(unseal(newKey, sealed)).toBe(CANARY);
        expect(() => unseal(oldKey, sealed)).toThrow();
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describeWithPostgres("providers from the admin API on PostgreSQL", (postgres) => {
  let first: TestGateway;
  let second: TestGateway;
  const masterKey = randomBytes(32).toString("base64");

  beforeAll(async () => {
    const environment = {
      FLOOPY_DATABASE_URL: await postgres.freshSchemaUrl(),
      FLOOPY_MASTER_KEY: masterKey,
      FLOOPY_ADMIN_KEY: ADMIN_KEY,
    };
    first = await startTestGateway({ env: environment });
    second = await startTestGateway({ env: environment });
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it("serves a provider created on one instance from the other within a poll, sealed in the database", async () => {
    const response = await fetch(`${first.gateway.url}/admin/providers`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        "content-type": "application/json",
        "x-floopy-confirm": "providers",
      },
      body: JSON.stringify({
        name: "pg-stored",
        type: "openai-compatible",
        base_url: second.backup.url,
        api_key: "sk-backup-secret-1234567890",
      }),
    });
    expect(response.status).toBe(201);
    await vi.waitFor(
      async () => {
        const { response: answer } = await second.client.chat.completions
          .create({ model: "pg-stored/any-model", messages: [{ role: "user", content: "hi" }] })
          .withResponse();
        expect(answer.headers.get("floopy-provider")).toBe("pg-stored");
      },
      { timeout: 10_000, interval: 100 },
    );
    const schema = postgres.schemas.at(-1);
    const rows = await postgres.query(
      `select sealed_api_key from ${schema}.providers where name = 'pg-stored'`,
    );
    const sealed = String(rows.rows[0]?.sealed_api_key);
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain("sk-backup-secret-1234567890");
    expect(unseal(Buffer.from(masterKey, "base64"), sealed)).toBe("sk-backup-secret-1234567890");
  });
});
