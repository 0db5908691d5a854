/**
 * The request log and usage API over a large events store (issue 14): N records (default
 * 1,000,000) of one org spread over 30 days, seeded into the embedded SQLite file and into
 * PostgreSQL, then the queries behind `GET /v1/requests` (first page, a filtered page, a deep
 * keyset page) and `GET /v1/usage` (30 days by day and model, by day and property, one day by
 * hour) timed at the store, median of 5 runs after one warm-up. `team` is a rolled-up property.
 *
 *   npm run bench:request-log        BENCH_ROWS=200000 …        BENCH_DATABASE_URL=postgres://…
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { LATENCY_EDGES_MS } from "../packages/gateway/src/platform/usage.js";
import { openStores } from "../packages/gateway/src/store/open-stores.js";
import type { RequestLogRecord, Stores } from "../packages/gateway/src/store/types.js";

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const org = "bench-log";
const day = 86_400_000;
// Ahead of now: `team` is a rolled-up property (usage.rollup_properties), which counts from the
// hour after next once named; the records then stand for traffic that came after it was named.
const start = Date.UTC(new Date().getUTCFullYear() + 1, 9, 1);
const models = ["gpt-4o-mini", "gpt-4o", "claude-haiku-4-5", "gemini-2.5-flash", "llama-3.1-8b-instant"];
const teams = ["search", "billing", "support", "ads"];

function record(index: number): RequestLogRecord {
  const model = models[index % models.length] ?? "m";
  return {
    id: randomUUID(),
    createdAt: new Date(start + Math.floor((index / rows) * 30 * day)),
    operation: "generate",
    ingressProtocol: "openai-chat",
    orgId: org,
    keyId: `key_${index % 20}`,
    projectId: "default",
    userId: `user-${index % 1000}`,
    sessionId: `session-${Math.floor(index / 10)}`,
    sessionName: null,
    sessionPath: null,
    properties: { team: teams[index % teams.length] ?? "x" },
    requestedModel: model,
    provider: "openai",
    model,
    stream: index % 3 === 0,
    status: index % 50 === 0 ? 500 : 200,
    errorCode: null,
    errorMessage: null,
    ttftMs: 100 + (index % 400),
    latencyMs: 150 + (index % 900),
    usage: { promptTokens: 20, completionTokens: 40, totalTokens: 60, cachedTokens: 0, reasoningTokens: 0 },
    usageSource: "upstream",
    costUsd: 0.00003,
    cacheStatus: index % 10 === 0 ? "HIT-EXACT" : null,
    costSavedUsd: null,
    fallbackUsed: false,
    attempts: [{ provider: "openai", model, status: 200, errorClass: null, latencyMs: 140 }],
    routingRule: null,
    decision: null,
    experiment: null,
    turn: null,
  };
}

async function seed(stores: Stores): Promise<number> {
  const started = performance.now();
  for (let at = 0; at < rows; at += 5_000) {
    await stores.events.insertRequestLogs(
      Array.from({ length: Math.min(5_000, rows - at) }, (_, index) => record(at + index)),
    );
  }
  return (performance.now() - started) / 1000;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let index = 0; index < 5; index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2] ?? Number.NaN;
}

async function measure(stores: Stores): Promise<Array<[string, number]>> {
  const all = {
    orgId: org,
    from: new Date(start),
    to: new Date(start + 30 * day),
    latencyEdgesMs: LATENCY_EDGES_MS,
  };
  const page = await stores.events.listRequestLogs({ orgId: org, limit: 50 });
  const deep = (
    await stores.events.listRequestLogs({ orgId: org, limit: 1, from: new Date(start + 15 * day) })
  ).at(-1);
  return [
    [
      "requests: first page (50)",
      await timed(() => stores.events.listRequestLogs({ orgId: org, limit: 51 })),
    ],
    [
      "requests: property + user filter",
      await timed(() =>
        stores.events.listRequestLogs({
          orgId: org,
          limit: 51,
          userId: "user-7",
          properties: { team: "support" },
        }),
      ),
    ],
    [
      "requests: one session",
      await timed(() => stores.events.listRequestLogs({ orgId: org, limit: 51, sessionId: "session-4242" })),
    ],
    [
      "requests: keyset page mid-range",
      await timed(() =>
        stores.events.listRequestLogs({
          orgId: org,
          limit: 51,
          ...(deep ? { after: { createdAt: deep.createdAt, id: deep.id } } : {}),
        }),
      ),
    ],
    [
      "usage: 30 days by day × model",
      await timed(() =>
        stores.events.usage({ ...all, intervalMs: day, groupBy: { kind: "column", column: "model" } }),
      ),
    ],
    [
      "usage: 30 days by hour × key",
      await timed(() =>
        stores.events.usage({ ...all, intervalMs: 3_600_000, groupBy: { kind: "column", column: "key_id" } }),
      ),
    ],
    [
      "usage: 30 days by day, partial days at both ends",
      await timed(() =>
        stores.events.usage({
          ...all,
          from: new Date(start + 5_400_000),
          to: new Date(start + 30 * day - 1_800_000),
          intervalMs: day,
          groupBy: null,
        }),
      ),
    ],
    [
      "usage: 30 days by day × property",
      await timed(() =>
        stores.events.usage({ ...all, intervalMs: day, groupBy: { kind: "property", name: "team" } }),
      ),
    ],
    [
      "usage: 1 day by hour",
      await timed(() =>
        stores.events.usage({ ...all, to: new Date(start + day), intervalMs: 3_600_000, groupBy: null }),
      ),
    ],
  ].concat(page.length === 50 ? [] : [["(first page short!)", Number.NaN]]) as Array<[string, number]>;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "floopy-bench-log-"));
  const schema = `bench_log_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const results: Array<{ name: string; seedSeconds: number; timings: Array<[string, number]> }> = [];
  try {
    for (const [name, options] of [
      ["SQLite", { databaseUrl: undefined, dataDir: dir }],
      ["PostgreSQL", { databaseUrl: url.toString(), dataDir: dir }],
    ] as const) {
      process.stderr.write(`  ${name}: seeding ${rows} records …\n`);
      const stores = await openStores(options);
      try {
        await stores.events.ensureRollupProperties(["team"]);
        const seedSeconds = await seed(stores);
        if (name === "PostgreSQL")
          await admin.query(`analyze ${schema}.request_logs; analyze ${schema}.usage_hourly`);
        results.push({ name, seedSeconds, timings: await measure(stores) });
      } finally {
        await stores.close();
      }
    }
  } finally {
    await admin.query(`drop schema ${schema} cascade`).catch(() => {});
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  const names = results[0]?.timings.map(([label]) => label) ?? [];
  const lines = [
    `${rows} records of one org over 30 days; node ${process.version}; median of 5 after a warm-up, ms`,
    "",
    `| query | ${results.map((result) => result.name).join(" | ")} |`,
    `|---|${results.map(() => "---").join("|")}|`,
    ...names.map(
      (label, index) =>
        `| ${label} | ${results.map((result) => (result.timings[index]?.[1] ?? Number.NaN).toFixed(1)).join(" | ")} |`,
    ),
    `| (seeding, s) | ${results.map((result) => result.seedSeconds.toFixed(0)).join(" | ")} |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
