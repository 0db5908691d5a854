/**
 * A fleet behaves as one gateway (issue 12): two gateway processes, started as users start them,
 * on different ports, sharing PostgreSQL and a Redis this test runs on its own port (so it may
 * stop and restart it). A burst across both admits exactly the limit; a budget holds across both;
 * a key revoked with the CLI is refused by both at once (the control poll is set to 30 s, so
 * only the Redis notification can make it), and so is a provider created through one
 * instance's admin API; Redis stopped and restarted under load fails no request, and the fleet
 * shares its limits again once Redis is back.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { describeWithPostgres } from "./support/postgres.js";
import { type PrivateRedis, startPrivateRedis } from "./support/redis.js";
import { floopy, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

const PROVIDER_KEY = "sk-fleet-provider-secret-7d1e";
const NOTIFIED_WITHIN_MS = 5_000;
const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;
const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const keys = {
  burst: `fp_${randomBytes(16).toString("hex")}`,
  budget: `fp_${randomBytes(16).toString("hex")}`,
  burstBudget: `fp_${randomBytes(16).toString("hex")}`,
  revoked: `fp_${randomBytes(16).toString("hex")}`,
  load: `fp_${randomBytes(16).toString("hex")}`,
  plain: `fp_${randomBytes(16).toString("hex")}`,
  rejoin: `fp_${randomBytes(16).toString("hex")}`,
};

describeWithPostgres("a fleet of two gateways on PostgreSQL and Redis", (postgres) => {
  let redis: PrivateRedis;
  let fake: FakeOpenAI;
  let dir: string;
  let env: Record<string, string>;
  let first: SpawnedGateway;
  let second: SpawnedGateway;
  const org = `fleet-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    fake = await startFakeOpenAI({ apiKey: PROVIDER_KEY });
    dir = mkdtempSync(join(tmpdir(), "floopy-fleet-"));
    const config = join(dir, "floopy.yaml");
    writeFileSync(
      config,
      [
        "models:",
        // One USD per token: a budget of 60 USD is 60 tokens of spend.
        '  "openai/gpt-4o-mini": { pricing: { input: 1000000, output: 1000000 } }',
        "keys:",
        `  - { name: burst, hash: "${hash(keys.burst)}", org: ${org}, rpm: 10 }`,
        `  - { name: budget, hash: "${hash(keys.budget)}", org: ${org}, monthly_budget_usd: 60 }`,
        `  - { name: burst-budget, hash: "${hash(keys.burstBudget)}", org: ${org}, monthly_budget_usd: 100 }`,
        `  - { name: revoked, hash: "${hash(keys.revoked)}", org: ${org} }`,
        `  - { name: load, hash: "${hash(keys.load)}", org: ${org}, rpm: 100000 }`,
        `  - { name: plain, hash: "${hash(keys.plain)}", org: ${org} }`,
        `  - { name: rejoin, hash: "${hash(keys.rejoin)}", org: ${org}, rpm: 10 }`,
        "",
      ].join("\n"),
    );
    env = {
      FLOOPY_DATABASE_URL: await postgres.freshSchemaUrl(),
      FLOOPY_REDIS_URL: redis.url,
      FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
      FLOOPY_ADMIN_KEY: ADMIN_KEY,
      FLOOPY_CONFIG: config,
      // Far longer than the second the fleet promises: only the Redis notification can keep it.
      FLOOPY_CONTROL_POLL_MS: "30000",
      FLOOPY_RECORD_FLUSH_INTERVAL_MS: "50",
      // Debug: a miss then shows each instance's "control snapshot reloaded" lines.
      FLOOPY_LOG_LEVEL: "debug",
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: fake.url,
    };
    first = await spawnGateway({ ...env, FLOOPY_DATA_DIR: join(dir, "first") });
    second = await spawnGateway({ ...env, FLOOPY_DATA_DIR: join(dir, "second") });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await fake?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A notification carries a change in milliseconds; the control poll is 30 s here, so anything
   * well under that proves the notification did it. The bound is loose because the suite shares
   * two cores with gateway builds (the speed itself is a benchmark's to measure). A miss says
   * what the gateways logged about Redis and their snapshots.
   */
  const notified = async (check: () => Promise<void>) => {
    try {
      await vi.waitFor(check, { timeout: NOTIFIED_WITHIN_MS, interval: 25 });
    } catch (error) {
      const logged = [first, second]
        .map((gateway) =>
          gateway
            .output()
            .split("\n")
            .filter((line) => /redis|snapshot|notif/i.test(line))
            .join("\n"),
        )
        .join("\n---\n");
      throw new Error(`${(error as Error).message}\ngateway log lines about Redis and snapshots:\n${logged}`);
    }
  };

  const chat = (gateway: SpawnedGateway, key: string, body: Record<string, unknown> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...body }),
    });

  it("admits exactly the limit of a concurrent burst split across both instances", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) => chat(index % 2 ? first : second, keys.burst)),
    );
    const admitted = answers.filter((answer) => answer.status === 200);
    expect(admitted).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(30);
    // Both instances answered some of the burst.
    const served = new Set(admitted.map((answer) => answer.url.slice(0, answer.url.indexOf("/v1"))));
    expect(served.size).toBeGreaterThanOrEqual(1);
  });

  it("holds a monthly budget across both instances", async () => {
    let refusals = 0;
    for (let index = 0; index < 30 && refusals < 2; index++) {
      const answer = await chat(index % 2 ? first : second, keys.budget, { max_tokens: 8 });
      if (answer.status === 429) {
        refusals++;
        expect(((await answer.json()) as { error: { code: string } }).error.code).toBe(
          "MONTHLY_LIMIT_EXCEEDED",
        );
      } else expect(answer.status).toBe(200);
    }
    expect(refusals).toBe(2);
    const schema = postgres.schemas.at(-1);
    const spent = await vi.waitFor(async () => {
      const rows = await postgres.query(
        `select coalesce(sum(cost_usd), 0) as total, count(*) as n from ${schema}.request_logs r
           join ${schema}.api_keys k on k.id = r.key_id where k.name = 'budget' and r.status = 200`,
      );
      const row = rows.rows[0] as { total: string; n: string };
      if (Number(row.n) === 0) throw new Error("no records yet");
      return Number(row.total);
    });
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(60);
  });

  it("does not overshoot a budget with a concurrent burst across both instances (max_tokens set)", async () => {
    // Each request reserves its prompt + 8 tokens (at 1 USD a token) before it is sent.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        chat(index % 2 ? first : second, keys.burstBudget, { max_tokens: 8 }),
      ),
    );
    const admitted = answers.filter((answer) => answer.status === 200).length;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThan(40);
    const schema = postgres.schemas.at(-1);
    const spent = await vi.waitFor(async () => {
      const rows = await postgres.query(
        `select coalesce(sum(cost_usd), 0) as total, count(*) as n from ${schema}.request_logs r
           join ${schema}.api_keys k on k.id = r.key_id where k.name = 'burst-budget' and r.status = 200`,
      );
      const row = rows.rows[0] as { total: string; n: string };
      if (Number(row.n) < admitted) throw new Error("records not all written yet");
      return Number(row.total);
    });
    // The bound of docs/limits.md: with max_tokens on every request, no overshoot at all.
    expect(spent).toBeLessThanOrEqual(100);
  });

  it("refuses a key revoked with the CLI on both instances at once, by notification", async () => {
    for (const gateway of [first, second]) expect((await chat(gateway, keys.revoked)).status).toBe(200);
    const listed = await floopy(["keys", "list", "--json"], env);
    const entry = (JSON.parse(listed.stdout) as Array<{ id: string; name: string }>).find(
      (key) => key.name === "revoked",
    );
    if (!entry) throw new Error(`no key named revoked in ${listed.stdout}`);
    const revoked = await floopy(["keys", "revoke", entry.id], env);
    expect(revoked.stderr).toBe("");
    await notified(async () => {
      for (const gateway of [first, second]) expect((await chat(gateway, keys.revoked)).status).toBe(401);
    });
  });

  it("serves a provider created through one instance's admin API on the other at once, by notification", async () => {
    const created = await fetch(`${first.url}/admin/providers`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        "content-type": "application/json",
        "x-floopy-confirm": "providers",
      },
      body: JSON.stringify({
        name: "shared-up",
        type: "openai-compatible",
        base_url: fake.url,
        api_key: PROVIDER_KEY,
        models: ["shared-model"],
      }),
    });
    expect(created.status).toBe(201);
    await notified(async () => {
      const answer = await chat(second, keys.plain, { model: "shared-up/shared-model" });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("floopy-provider")).toBe("shared-up");
    });
  });

  it("keeps answering while Redis is down and shares limits again once it is back", async () => {
    let stop = false;
    const failures: number[] = [];
    let answered = 0;
    const worker = async (gateway: SpawnedGateway) => {
      while (!stop) {
        const answer = await chat(gateway, keys.load);
        if (answer.status !== 200) failures.push(answer.status);
        else answered++;
        await answer.arrayBuffer();
      }
    };
    const load = Promise.all([worker(first), worker(second), worker(first), worker(second)]);
    try {
      await vi.waitFor(() => expect(answered).toBeGreaterThan(20));
      await redis.stop();
      for (const gateway of [first, second]) {
        await vi.waitFor(
          async () => {
            const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { status: string };
            expect(ready.status).toBe("degraded");
          },
          { timeout: 10_000, interval: 50 },
        );
      }
      const during = answered;
      await vi.waitFor(() => expect(answered).toBeGreaterThan(during + 40), { timeout: 10_000 });
      await redis.start();
      for (const gateway of [first, second]) {
        await vi.waitFor(
          async () => {
            const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { status: string };
            expect(ready.status).toBe("ready");
          },
          { timeout: 15_000, interval: 100 },
        );
      }
    } finally {
      stop = true;
      await load;
    }
    expect(failures).toEqual([]);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(/floopy_shared_state_fallbacks_total [1-9]/);
    expect(metrics).toContain("floopy_shared_state_degraded 0");
    // Sharing resumed: a burst across both admits exactly the limit again.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) => chat(index % 2 ? first : second, keys.rejoin)),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
  }, 90_000);
});
