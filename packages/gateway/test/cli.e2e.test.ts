import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openStores } from "../src/store/open-stores.js";
import { floopy, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

let fake: FakeOpenAI;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-cli-test-provider-key" });
  dataDir = mkdtempSync(join(tmpdir(), "floopy-cli-"));
  env = {
    FLOOPY_DATA_DIR: dataDir,
    OPENAI_API_KEY: "sk-cli-test-provider-key",
    OPENAI_BASE_URL: fake.url,
    FLOOPY_CONTROL_POLL_MS: "200",
  };
});
afterAll(async () => {
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const client = (gateway: SpawnedGateway, apiKey: string) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });

/** Whether `check` comes true within the time (polled; a throw counts as not yet). */
function eventually(check: () => Promise<boolean>, timeout = 10_000): Promise<boolean> {
  return vi
    .waitFor(
      async () => {
        if (!(await check())) throw new Error("not yet");
      },
      { timeout, interval: 100 },
    )
    .then(
      () => true,
      () => false,
    );
}

describe("npm start and the floopy command", () => {
  it("prints a generated key once on the very first start, and not again", async () => {
    const first = await spawnGateway(env);
    const key = /(fp_[A-Za-z0-9_-]{16,})/.exec(first.output())?.[1];
    expect(key, first.output()).toBeDefined();
    const answer = await client(first, key ?? "").chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "first" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: first");
    await first.stop();
    expect(first.output()).toContain("floopy gateway stopped");

    const second = await spawnGateway(env);
    expect(second.output()).not.toMatch(/fp_[A-Za-z0-9_-]{16,}/);
    await second.stop();
  });

  it("applies keys created and revoked with the command to the running gateway within seconds", async () => {
    const gateway = await spawnGateway(env);
    try {
      const created = await floopy(
        ["keys", "create", "--name", "live", "--project", "search", "--json"],
        env,
      );
      const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
      expect(key).toMatch(/^fp_/);
      const works = await eventually(async () => {
        try {
          await client(gateway, key).models.list();
          return true;
        } catch {
          return false;
        }
      });
      expect(works).toBe(true);

      const forbidden = await client(gateway, key)
        .chat.completions.create(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] },
          { headers: { "floopy-project-id": "other" } },
        )
        .catch((error: unknown) => error);
      expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);

      const listed = await floopy(["keys", "list"], env);
      expect(listed.stdout).toContain(id);
      expect(listed.stdout).not.toContain(key);

      await floopy(["keys", "revoke", id], env);
      const refused = await eventually(async () => {
        const error = await client(gateway, key)
          .models.list()
          .then(() => null)
          .catch((caught: unknown) => caught);
        return error instanceof OpenAI.AuthenticationError;
      });
      expect(refused).toBe(true);
    } finally {
      await gateway.stop();
    }
  });

  it("creates admin keys that manage routing rules, and gateway keys bound to a rule", async () => {
    const gateway = await spawnGateway(env);
    try {
      const created = await floopy(["keys", "create", "--name", "ops", "--admin", "--json"], env);
      const { key: adminKey } = JSON.parse(created.stdout) as { key: string };
      const listRules = () =>
        fetch(`${gateway.url}/admin/routing_rules`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(await eventually(async () => (await listRules()).status === 200)).toBe(true);
      const makeRule = await fetch(`${gateway.url}/admin/routing_rules`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${adminKey}`,
          "content-type": "application/json",
          "x-floopy-confirm": "routing_rules",
        },
        body: JSON.stringify({
          name: "cli-rule",
          strategy: "fallback",
          targets: [{ model: "openai/gpt-4o-mini" }],
        }),
      });
      expect(makeRule.status).toBe(201);
      const traffic = await client(gateway, adminKey)
        .models.list()
        .catch((error: unknown) => error);
      expect(traffic).toBeInstanceOf(OpenAI.PermissionDeniedError);

      const bound = await floopy(
        ["keys", "create", "--name", "bound", "--routing-rule", "cli-rule", "--json"],
        env,
      );
      const { id } = JSON.parse(bound.stdout) as { id: string };
      const listed = await floopy(["keys", "list", "--json"], env);
      expect(JSON.parse(listed.stdout)).toContainEqual(
        expect.objectContaining({ id, scope: "gateway", routingRule: "cli-rule" }),
      );
      expect(JSON.parse(listed.stdout)).toContainEqual(
        expect.objectContaining({ name: "ops", scope: "admin" }),
      );
      const missing = await floopy(
        ["keys", "create", "--name", "lost", "--routing-rule", "no-such-rule"],
        env,
      ).catch((error: { stderr: string; code: number }) => error);
      expect((missing as { code: number }).code).toBe(2);
      expect((missing as { stderr: string }).stderr).toContain('no routing rule named "no-such-rule"');
    } finally {
      await gateway.stop();
    }
  });

  it("finishes in-flight requests and flushes records on SIGTERM", async () => {
    const key = "fp_graceful_0123456789abcdefghij";
    const gateway = await spawnGateway({
      ...env,
      FLOOPY_BOOTSTRAP_KEY: key,
      FLOOPY_RECORD_FLUSH_INTERVAL_MS: "60000",
    });
    fake.pushFault({ kind: "slow-first-byte", delayMs: 800 });
    const inFlight = client(gateway, key)
      .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "slow one" }] })
      .withResponse();
    // Stop only once the request is in flight: the fake has it, and is holding its answer.
    await vi.waitFor(
      () => expect(fake.lastRequest()?.body).toMatchObject({ messages: [{ content: "slow one" }] }),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
    const stopped = gateway.stop("SIGTERM", { npmOnly: true });
    const { data, response } = await inFlight;
    expect(data.choices[0]?.message.content).toBe("Echo: slow one");
    await stopped;
    expect(gateway.output()).toContain("floopy gateway stopped");
    const requestId = response.headers.get("floopy-request-id") ?? "";
    const stores = await openStores({ dataDir, databaseUrl: undefined });
    try {
      const record = await stores.events.getRequestLog(requestId);
      expect(record?.status).toBe(200);
    } finally {
      await stores.close();
    }
  });

  it("refuses a bad config file with an error naming the field", async () => {
    const configPath = join(dataDir, "bad.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(configPath, "providers:\n  local: { type: openai-compatible, base_url: nope }\n");
    const failure = await floopy(["config", "validate", "--config", configPath], env).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toContain("providers.local.base_url");

    writeFileSync(
      configPath,
      "routing_rules:\n  r: { strategy: fallback, targets: [{ model: nowhere/none }] }\n",
    );
    const badRule = await floopy(["config", "validate", "--config", configPath], env).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect((badRule as { code: number }).code).toBe(2);
    expect((badRule as { stderr: string }).stderr).toContain("routing_rules.r.targets.0.model");
  });
});
