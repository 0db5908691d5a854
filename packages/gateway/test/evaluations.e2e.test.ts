/**
 * Datasets and evaluations end to end (INTERFACE.md): upload as JSON or JSON Lines, paged items;
 * a run of a model (or a prompt) over a dataset through the gateway's own dispatch, scored per
 * item (exact, contains, json_valid, regex, and a judge model), with a concurrency and cost cap;
 * status with a summary, paged results, cancel (409 once finished); and a run interrupted by a
 * restart of the gateway resumes on the next start, writing every item once.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../src/config/load-config.js";
import { type Gateway, startGateway } from "../src/gateway.js";
import { PROVIDER_KEY, startTestGateway, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;
const BACKUP_KEY = "sk-backup-secret-1234567890";

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: ${BACKUP_KEY}, models: [judge-model] }`,
        "models:",
        "  openai/gpt-4o-mini: { pricing: { input: 1, output: 1 } }",
        "keys:",
        `  - { name: evaluator, hash: "${hash(key)}", org: eval-org }`,
        `  - { name: other, hash: "${hash(otherKey)}", org: eval-other }`,
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
  options: { as?: string; ndjson?: string; url?: string } = {},
) {
  const answer = await fetch(`${options.url ?? test.gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.as ?? key}`,
      "content-type": options.ndjson === undefined ? "application/json" : "application/x-ndjson",
    },
    ...(options.ndjson !== undefined
      ? { body: options.ndjson }
      : body === undefined
        ? {}
        : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in assertions
  return { status: answer.status, body: (await answer.json()) as Record<string, any> };
}

const ask = (text: string) => ({ messages: [{ role: "user", content: text }] });

async function finished(id: string, url?: string) {
  return vi.waitFor(
    async () => {
      const run = await api("GET", `/v1/evaluations/${id}`, undefined, url === undefined ? {} : { url });
      if (run.body.status === "pending" || run.body.status === "running")
        throw new Error(`still ${run.body.status}`);
      return run.body;
    },
    { timeout: 20_000, interval: 50 },
  );
}

describe("datasets", () => {
  it("uploads JSON and JSON Lines, pages items, and scopes them to the org", async () => {
    const created = await api("POST", "/v1/datasets", {
      name: "capitals",
      items: Array.from({ length: 7 }, (_, index) => ({
        input: ask(`q${index}`),
        expected: `Echo: q${index}`,
      })),
    });
    expect(created).toMatchObject({ status: 201, body: { name: "capitals", item_count: 7 } });
    const lines = [
      '{"input":{"messages":[{"role":"user","content":"a"}]},"expected":"Echo: a"}',
      "",
      '{"input":{"inputs":{"x":"1"}}}',
    ];
    const uploaded = await api("POST", "/v1/datasets?name=lines", undefined, { ndjson: lines.join("\n") });
    expect(uploaded).toMatchObject({ status: 201, body: { name: "lines", item_count: 2 } });
    const broken = await api("POST", "/v1/datasets?name=broken", undefined, {
      ndjson: '{"input":{}}\nnot json',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toContain("line 2");

    const id = created.body.id as string;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api("GET", `/v1/datasets/${id}/items?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.items.map((item: { expected: string }) => item.expected));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, index) => `Echo: q${index}`));
    expect((await api("GET", `/v1/datasets/${id}`, undefined, { as: otherKey })).status).toBe(404);
    expect((await api("GET", "/v1/datasets")).body.items.length).toBeGreaterThanOrEqual(2);
  });
});

describe("evaluations", () => {
  it("runs a model over a dataset, scores every item and summarises the run", async () => {
    const dataset = await api("POST", "/v1/datasets", {
      name: "echo",
      items: [
        { input: ask("alpha"), expected: "Echo: alpha" },
        { input: ask("beta"), expected: "Echo: gamma" },
        { input: ask("delta"), expected: "delta" },
        { input: ask('{"k":1}') },
      ],
    });
    const created = await api("POST", "/v1/evaluations", {
      dataset_id: dataset.body.id,
      model: "gpt-4o-mini",
      config: { scorers: ["exact", "contains", "regex:^Echo: "], concurrency: 2 },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { status: "pending", dataset_id: dataset.body.id, model: "gpt-4o-mini" },
    });
    const run = await finished(created.body.id);
    expect(run.status).toBe("completed");
    expect(run.started_at).not.toBe(null);
    expect(run.finished_at).not.toBe(null);
    expect(run.summary).toMatchObject({ items: 4, scored: 4, failed: 0 });
    expect(run.summary.cost_usd).toBeGreaterThan(0);
    const results = await api("GET", `/v1/evaluations/${created.body.id}/results?limit=10`);
    const scores = results.body.items.map((item: { output: string; score: number }) => [
      item.output,
      item.score,
    ]);
    expect(scores).toEqual([
      ["Echo: alpha", 1],
      ["Echo: beta", 1 / 3],
      ["Echo: delta", 2 / 3],
      ['Echo: {"k":1}', 1],
    ]);
    expect(run.summary.mean_score).toBeCloseTo((1 + 1 / 3 + 2 / 3 + 1) / 4, 6);
    expect(results.body.items[0]).toMatchObject({ run_id: created.body.id, input_id: expect.any(String) });
    expect(results.body.items[0].metadata.scores).toEqual({ exact: 1, contains: 1, "regex:^Echo: ": 1 });

    const again = await api("POST", `/v1/evaluations/${created.body.id}/cancel`);
    expect(again).toMatchObject({ status: 409, body: { error: { code: "conflict" } } });
  });

  it("asks a judge model, runs a prompt, and stops at the cost cap", async () => {
    test.backup.setReply(() => ({ content: "9" }));
    try {
      const prompt = await api("POST", "/v1/prompts", {
        name: `eval-${randomBytes(3).toString("hex")}`,
        messages: [{ role: "user", content: "Say {{word}}" }],
      });
      const dataset = await api("POST", "/v1/datasets", {
        name: "judged",
        items: [{ input: { inputs: { word: "hello" } }, expected: "Echo: Say hello" }],
      });
      const judged = await api("POST", "/v1/evaluations", {
        dataset_id: dataset.body.id,
        model: "gpt-4o-mini",
        prompt_id: prompt.body.id,
        config: { scorers: ["exact", "judge"], judge_model: "backup/judge-model" },
      });
      expect((await finished(judged.body.id)).summary.mean_score).toBeCloseTo(0.95, 6);
      const result = (await api("GET", `/v1/evaluations/${judged.body.id}/results`)).body.items[0];
      expect(result.output).toBe("Echo: Say hello");
      expect(result.metadata.scores).toEqual({ exact: 1, judge: 0.9 });
    } finally {
      test.backup.setReply(undefined);
    }
    expect((await api("POST", "/v1/evaluations", { dataset_id: "ds_x", model: "gpt-4o-mini" })).status).toBe(
      404,
    );
    const noJudge = await api("POST", "/v1/evaluations", {
      dataset_id: (await api("GET", "/v1/datasets?limit=1")).body.items[0].id,
      model: "gpt-4o-mini",
      config: { scorers: ["judge"] },
    });
    expect(noJudge.status).toBe(400);

    const many = await api("POST", "/v1/datasets", {
      name: "capped",
      items: Array.from({ length: 20 }, (_, index) => ({ input: ask(`item ${index}`) })),
    });
    const capped = await api("POST", "/v1/evaluations", {
      dataset_id: many.body.id,
      model: "gpt-4o-mini",
      config: { scorers: ["json_valid"], concurrency: 1, max_cost_usd: 0.000_000_1 },
    });
    const run = await finished(capped.body.id);
    expect(run.status).toBe("completed");
    expect(run.summary.stopped).toBe("max_cost_usd");
    expect(run.summary.items).toBe(1);
  });

  it("cancels a running evaluation", async () => {
    test.fake.setReply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { content: "slow" };
    });
    try {
      const dataset = await api("POST", "/v1/datasets", {
        name: "slow",
        items: Array.from({ length: 100 }, (_, index) => ({ input: ask(`slow ${index}`) })),
      });
      const created = await api("POST", "/v1/evaluations", {
        dataset_id: dataset.body.id,
        model: "gpt-4o-mini",
        config: { concurrency: 1 },
      });
      await vi.waitFor(async () => {
        expect((await api("GET", `/v1/evaluations/${created.body.id}`)).body.status).toBe("running");
      });
      const cancelled = await api("POST", `/v1/evaluations/${created.body.id}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { status: "cancelled" } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await api("GET", `/v1/evaluations/${created.body.id}`);
      expect(after.body.status).toBe("cancelled");
      expect(after.body.summary.items).toBeLessThan(100);
      expect(
        (await api("GET", `/v1/evaluations/${created.body.id}`, undefined, { as: otherKey })).status,
      ).toBe(404);
    } finally {
      test.fake.setReply(undefined);
    }
  });
});

describe("a restart mid-run", () => {
  let fake: FakeOpenAI;
  let dataDir: string;
  let gateway: Gateway | undefined;

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("resumes the run on the next start and writes each item once", async () => {
    fake = await startFakeOpenAI({ apiKey: PROVIDER_KEY });
    fake.setReply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { content: "done" };
    });
    dataDir = mkdtempSync(join(tmpdir(), "floopy-eval-restart-"));
    const configPath = join(dataDir, "floopy.yaml");
    writeFileSync(
      configPath,
      ["keys:", `  - { name: evaluator, hash: "${hash(key)}", org: eval-org }`, ""].join("\n"),
    );
    const env = {
      FLOOPY_PORT: "0",
      FLOOPY_DATA_DIR: dataDir,
      FLOOPY_CONFIG: configPath,
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: fake.url,
    };
    const start = () => startGateway({ config: loadConfig(env), logger: pino({ level: "silent" }) });
    gateway = await start();
    const first = gateway.url;
    const dataset = await api(
      "POST",
      "/v1/datasets",
      {
        name: "long",
        items: Array.from({ length: 60 }, (_, index) => ({ input: ask(`n${index}`), expected: "done" })),
      },
      { url: first },
    );
    const created = await api(
      "POST",
      "/v1/evaluations",
      { dataset_id: dataset.body.id, model: "gpt-4o-mini", config: { concurrency: 1 } },
      { url: first },
    );
    await vi.waitFor(async () => {
      const run = await api("GET", `/v1/evaluations/${created.body.id}`, undefined, { url: first });
      expect(run.body.status).toBe("running");
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await gateway.close();
    gateway = await start();
    const run = await finished(created.body.id, gateway.url);
    expect(run.status).toBe("completed");
    expect(run.summary).toMatchObject({ items: 60, scored: 60, failed: 0, mean_score: 1 });
    const positions = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await api(
        "GET",
        `/v1/evaluations/${created.body.id}/results?limit=25${cursor ? `&cursor=${cursor}` : ""}`,
        undefined,
        { url: gateway.url },
      );
      for (const item of page.body.items) positions.add(item.input_id);
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(positions.size).toBe(60);
  }, 60_000);
});
