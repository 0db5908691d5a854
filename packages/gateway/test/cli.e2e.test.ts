import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openStores } from "../src/store/open-stores.js";
import { floopy, runGatewayToExit, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

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

/** A `floopy` run that must fail: its exit code and standard error. */
function failing(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  return floopy(args, { ...env, ...extraEnv }).then(
    (run) => {
      throw new Error(`floopy ${args.join(" ")} succeeded: ${run.stdout}`);
    },
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

/** Makes an admin key and, through the admin API of the running gateway, a routing rule. */
async function makeRule(gateway: SpawnedGateway, name: string, model: string): Promise<void> {
  const created = await floopy(["keys", "create", "--name", `ops-${name}`, "--admin", "--json"], env);
  const { key: adminKey } = JSON.parse(created.stdout) as { key: string };
  const post = () =>
    fetch(`${gateway.url}/admin/routing_rules`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${adminKey}`,
        "content-type": "application/json",
        "x-floopy-confirm": "routing_rules",
      },
      body: JSON.stringify({ name, strategy: "fallback", targets: [{ model }] }),
    });
  // The admin key works once the gateway has reloaded its snapshot.
  expect(await eventually(async () => (await post()).status === 201)).toBe(true);
}

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

  it("updates a key's routing rule, project and expiry in place, and the running gateway applies them", async () => {
    const gateway = await spawnGateway(env);
    try {
      await makeRule(gateway, "update-rule", "openai/gpt-4o-mini");
      const created = await floopy(["keys", "create", "--name", "to-update", "--json"], env);
      const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
      const servedModel = async () => {
        const { response } = await client(gateway, key)
          .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "which" }] })
          .withResponse();
        return response.headers.get("floopy-model");
      };
      expect(await eventually(async () => (await servedModel()) === "gpt-4o")).toBe(true);

      const missingRule = await failing(["keys", "update", id, "--routing-rule", "no-such-rule"]);
      expect(missingRule.code).toBe(2);
      expect(missingRule.stderr).toBe('floopy: keys update: there is no routing rule named "no-such-rule"\n');
      const unknownId = await failing(["keys", "update", "key_nope", "--name", "x"]);
      expect(unknownId.code).toBe(1);
      expect(unknownId.stderr).toContain("no key with id 'key_nope'");

      const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const updated = await floopy(
        [
          "keys",
          "update",
          id,
          "--routing-rule",
          "update-rule",
          "--name",
          "updated",
          "--expires-at",
          expiresAt,
          "--project",
          "search",
          "--json",
        ],
        env,
      );
      expect(JSON.parse(updated.stdout)).toMatchObject({
        id,
        name: "updated",
        routingRule: "update-rule",
        projectId: "search",
        expiresAt,
      });
      expect(updated.stdout).not.toContain("sha256:");
      // The key's rule now routes its requests: the rule's target answers, not the model asked for.
      expect(await eventually(async () => (await servedModel()) === "gpt-4o-mini")).toBe(true);
      const otherProject = await client(gateway, key)
        .chat.completions.create(
          { model: "gpt-4o", messages: [{ role: "user", content: "x" }] },
          { headers: { "floopy-project-id": "other" } },
        )
        .catch((error: unknown) => error);
      expect(otherProject).toBeInstanceOf(OpenAI.PermissionDeniedError);

      const cleared = await floopy(
        ["keys", "update", id, "--no-routing-rule", "--no-project", "--expires-at", "never"],
        env,
      );
      expect(cleared.stdout).toBe(
        `updated ${id}: name 'updated', project *, routing rule -, expires never (active)\n`,
      );
      expect(await eventually(async () => (await servedModel()) === "gpt-4o")).toBe(true);
      const listed = JSON.parse((await floopy(["keys", "list", "--json"], env)).stdout) as Array<{
        id: string;
      }>;
      expect(listed).toContainEqual(
        expect.objectContaining({ id, name: "updated", routingRule: null, projectId: null, expiresAt: null }),
      );

      await floopy(["keys", "revoke", id], env);
      const revoked = await failing(["keys", "update", id, "--name", "again"]);
      expect(revoked.stderr).toBe(`floopy: keys update: ${id} is revoked; create a new key instead\n`);
    } finally {
      await gateway.stop();
    }
  }, 120_000);

  it("hashes a key for the config file, and the gateway accepts the key the file lists by that hash", async () => {
    const made = await floopy(["keys", "hash"], env);
    const [key = "", hash = ""] = made.stdout.trimEnd().split("\n");
    expect(key).toMatch(/^fp_/);
    const configPath = join(dataDir, "hashed-key.yaml");
    writeFileSync(configPath, `keys:\n  - { name: from-hash, hash: "${hash}" }\n`);
    const validated = await floopy(["config", "validate", "--config", configPath], env);
    expect(validated.stdout).toContain(`configuration OK (${configPath})`);
    const gateway = await spawnGateway({ ...env, FLOOPY_CONFIG: configPath });
    try {
      const answer = await client(gateway, key).chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hashed" }],
      });
      expect(answer.choices[0]?.message.content).toBe("Echo: hashed");
    } finally {
      await gateway.stop();
    }
    // The same key through standard input gives the same hash.
    const piped = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        "node",
        [new URL("../bin/floopy.js", import.meta.url).pathname, "keys", "hash", "-"],
        { env: { ...process.env, ...env } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
      child.stdin?.end(key);
    });
    expect(piped).toBe(`${hash}\n`);
  }, 120_000);

  it("validates what serve checks: a config key naming a rule that exists nowhere fails both, one made through the admin API passes both", async () => {
    const configPath = join(dataDir, "key-rule.yaml");
    const keyHash = (await floopy(["keys", "hash", "fp_validate_rule_0123456789ab"], env)).stdout.trim();
    writeFileSync(
      configPath,
      `keys:\n  - { name: ruled, hash: "${keyHash}", routing_rule: made-by-admin }\n`,
    );
    const expected =
      'floopy: config file: keys.0.routing_rule: there is no routing rule named "made-by-admin" ' +
      "(define it under routing_rules, or create it through the admin API first)";
    const validated = await failing(["config", "validate", "--config", configPath]);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toBe(`${expected}\n`);
    const served = await runGatewayToExit({ ...env, FLOOPY_CONFIG: configPath });
    expect(served.code).toBe(2);
    expect(served.output).toContain(expected);

    // Validate reads the store the gateway would: once the rule exists there, both pass.
    const gateway = await spawnGateway(env);
    try {
      await makeRule(gateway, "made-by-admin", "openai/gpt-4o-mini");
    } finally {
      await gateway.stop();
    }
    const passes = await floopy(["config", "validate", "--config", configPath], env);
    expect(passes.stdout).toBe(`configuration OK (${configPath}); providers: openai\n`);
    const started = await spawnGateway({ ...env, FLOOPY_CONFIG: configPath });
    await started.stop();

    // It only reads: on a fresh data directory it creates nothing (no database, no master key).
    const fresh = join(dataDir, "never-created");
    const onFresh = await failing(["config", "validate", "--config", configPath], { FLOOPY_DATA_DIR: fresh });
    expect(onFresh.stderr).toBe(`${expected}\n`);
    expect(existsSync(fresh)).toBe(false);
  }, 120_000);

  it("prints the port actually bound in the generated-key message when started on port 0", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "floopy-cli-port0-"));
    try {
      const gateway = await spawnGateway({ ...env, FLOOPY_DATA_DIR: fresh, FLOOPY_PORT: "0" });
      try {
        expect(gateway.url).not.toMatch(/:0$/);
        expect(gateway.output()).toContain(`(base URL ${gateway.url}/v1)`);
        expect(gateway.output()).not.toContain(":0/v1");
      } finally {
        await gateway.stop();
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
