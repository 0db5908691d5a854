/**
 * The platform API on a fleet: two gateways sharing one PostgreSQL schema (no Redis: the control
 * poll alone carries changes here). Feedback taken by one instance moves feedback_driven routing on
 * the other; a prompt created on one resolves on the other; an experiment created and rolled back
 * on one splits, then stops splitting, on the other; a session whose turns were answered by both
 * reads whole from either; an evaluation run whose instance stops is finished by the other.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { loadConfig } from "../src/config/load-config.js";
import { type Gateway, startGateway } from "../src/gateway.js";
import { describeWithPostgres } from "./support/postgres.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const PROVIDER_KEY = "sk-platform-fleet-provider-1a2b";
const BACKUP_KEY = "sk-platform-fleet-backup-3c4d";

describeWithPostgres("the platform API on two gateways sharing PostgreSQL", (postgres) => {
  let fake: FakeOpenAI;
  let backup: FakeOpenAI;
  let dir: string;
  let env: Record<string, string>;
  let first: Gateway;
  let second: Gateway;

  const start = () => startGateway({ config: loadConfig(env), logger: pino({ level: "silent" }) });

  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: PROVIDER_KEY });
    backup = await startFakeOpenAI({ apiKey: BACKUP_KEY });
    dir = mkdtempSync(join(tmpdir(), "floopy-platform-fleet-"));
    const config = join(dir, "floopy.yaml");
    writeFileSync(
      config,
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backup.url}", api_key: ${BACKUP_KEY}, models: [pf-model] }`,
        "models:",
        "  openai/pf-model: { pricing: { input: 1, output: 1 } }",
        "  backup/pf-model: { pricing: { input: 1, output: 1 } }",
        "routing_rules:",
        "  learn: { strategy: feedback_driven, targets: [{ model: openai/pf-model }, { model: backup/pf-model }] }",
        "  house: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
        "  candidate: { strategy: fallback, targets: [{ model: backup/pf-model }] }",
        "keys:",
        `  - { name: fleet, hash: "${hash(key)}", org: platform-fleet }`,
        "",
      ].join("\n"),
    );
    env = {
      FLOOPY_PORT: "0",
      FLOOPY_DATA_DIR: dir,
      FLOOPY_DATABASE_URL: await postgres.freshSchemaUrl(),
      FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
      FLOOPY_CONFIG: config,
      FLOOPY_CONTROL_POLL_MS: "100",
      FLOOPY_RECORD_FLUSH_INTERVAL_MS: "50",
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: fake.url,
    };
    first = await start();
    second = await start();
  }, 60_000);

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await fake?.close();
    await backup?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function call(
    gateway: Gateway,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const answer = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return {
      status: answer.status,
      provider: answer.headers.get("floopy-provider"),
      id: String(answer.headers.get("floopy-request-id")),
      // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in assertions
      body: (text === "" ? null : JSON.parse(text)) as any,
    };
  }

  const chat = (gateway: Gateway, headers: Record<string, string>, content = "fleet") =>
    call(
      gateway,
      "POST",
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content }] },
      headers,
    );

  it("feedback taken by one instance moves routing on the other", async () => {
    for (let index = 0; index < 20; index++) {
      const answer = await chat(first, { "floopy-routing-rule": "learn" });
      const rated = await call(first, "POST", "/v1/feedback", {
        request_id: answer.id,
        score: answer.provider === "backup" ? 10 : 0,
      });
      expect(rated.status).toBe(201);
    }
    // The other instance's own poll (every control poll interval) brings the scores over.
    await vi.waitFor(() => expect(second.services.targetStats.get("backup/pf-model").feedbackScore).toBe(1), {
      timeout: 3_000,
      interval: 50,
    });
    const served = { openai: 0, backup: 0 };
    for (let index = 0; index < 30; index++) {
      const { provider } = await chat(second, { "floopy-routing-rule": "learn" });
      served[provider as keyof typeof served]++;
    }
    expect(served.backup).toBeGreaterThanOrEqual(24);
  });

  it("resolves a prompt created on one instance on the other", async () => {
    const prompt = await call(first, "POST", "/v1/prompts", {
      name: "fleet-prompt",
      messages: [{ role: "system", content: "Fleet prompt." }],
    });
    expect(prompt.status).toBe(201);
    await vi.waitFor(
      async () => {
        fake.reset();
        const answer = await chat(second, { "floopy-prompt-id": prompt.body.id });
        expect(answer.status).toBe(200);
      },
      { timeout: 2_000, interval: 50 },
    );
    expect(JSON.stringify(fake.lastRequest()?.body)).toContain("Fleet prompt.");
  });

  it("splits and stops splitting on the other instance as an experiment starts and rolls back", async () => {
    const experiment = await call(
      first,
      "POST",
      "/v1/experiments",
      { name: "fleet", variant_a_routing_rule_id: "house", variant_b_routing_rule_id: "candidate" },
      { "x-floopy-confirm": "experiments" },
    );
    expect(experiment.status).toBe(201);
    await vi.waitFor(
      async () => {
        const providers = new Set<string | null>();
        for (let index = 0; index < 20; index++) {
          providers.add(
            (await chat(second, { "floopy-routing-rule": "house", "floopy-session-id": `v-${index}` }))
              .provider,
          );
        }
        expect(providers).toEqual(new Set(["openai", "backup"]));
      },
      { timeout: 3_000, interval: 100 },
    );
    const rolledBack = await call(
      first,
      "POST",
      `/v1/experiments/${experiment.body.id}/rollback`,
      undefined,
      {
        "x-floopy-confirm": "experiments",
      },
    );
    expect(rolledBack.body.status).toBe("rolled_back");
    await vi.waitFor(
      async () => {
        for (let index = 0; index < 20; index++) {
          expect(
            (await chat(second, { "floopy-routing-rule": "house", "floopy-session-id": `v-${index}` }))
              .provider,
          ).toBe("openai");
        }
      },
      { timeout: 3_000, interval: 100 },
    );
  });

  it("reads a session answered by both instances from either", async () => {
    const session = `fleet-${randomBytes(4).toString("hex")}`;
    await chat(first, { "floopy-session-id": session }, "from first");
    await chat(second, { "floopy-session-id": session }, "from second");
    await vi.waitFor(
      async () => {
        const answer = await call(first, "GET", `/v1/session/${session}`);
        expect(answer.body.turn_count).toBe(2);
        expect(answer.body.messages.map((message: { content: string }) => message.content)).toEqual([
          "from first",
          "Echo: from first",
          "from second",
          "Echo: from second",
        ]);
      },
      { timeout: 3_000, interval: 50 },
    );
  });

  it("finishes on the other instance an evaluation whose instance stopped", async () => {
    fake.setReply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { content: "ok" };
    });
    try {
      const dataset = await call(first, "POST", "/v1/datasets", {
        name: "fleet-eval",
        items: Array.from({ length: 40 }, (_, index) => ({
          input: { messages: [{ role: "user", content: `i${index}` }] },
          expected: "ok",
        })),
      });
      const run = await call(first, "POST", "/v1/evaluations", {
        dataset_id: dataset.body.id,
        model: "gpt-4o-mini",
        config: { concurrency: 1 },
      });
      await vi.waitFor(async () => {
        const current = await call(first, "GET", `/v1/evaluations/${run.body.id}`);
        expect(current.body.summary === null && current.body.status).toBe("running");
      });
      // Whichever instance took the run, stop that one: the other must finish it.
      const owner = (await call(first, "GET", `/v1/evaluations/${run.body.id}`)).body;
      expect(owner.status).toBe("running");
      await first.close();
      const done = await vi.waitFor(
        async () => {
          const current = await call(second, "GET", `/v1/evaluations/${run.body.id}`);
          if (current.body.status !== "completed") throw new Error(current.body.status);
          return current.body;
        },
        { timeout: 20_000, interval: 100 },
      );
      expect(done.summary).toMatchObject({ items: 40, scored: 40, failed: 0, mean_score: 1 });
    } finally {
      fake.setReply(undefined);
    }
  }, 40_000);
});
