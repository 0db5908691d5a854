/**
 * The record writer's cost per request record on the embedded SQLite store: N records (default
 * 200,000) of one org over 30 days, 1,000 users, sessions of ten turns, written in batches of 500
 * as the record queue writes them (request log, its indexes, session turns and the usage rollup,
 * in one transaction per batch). Prints microseconds per record, record building included.
 *
 *   npm run bench:record-writer        BENCH_ROWS=1000000 …
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStores } from "../packages/gateway/src/store/open-stores.js";
import type { RequestLogRecord } from "../packages/gateway/src/store/types.js";

const rows = Number(process.env.BENCH_ROWS ?? 200_000);
const BATCH = 500;
const start = Date.UTC(2026, 9, 1);

function record(index: number): RequestLogRecord {
  return {
    id: randomUUID(),
    createdAt: new Date(start + Math.floor((index / rows) * 30 * 86_400_000)),
    operation: "generate",
    ingressProtocol: "openai-chat",
    orgId: "bench-writer",
    keyId: `key_${index % 20}`,
    projectId: "default",
    userId: `user-${index % 1000}`,
    sessionId: `session-${Math.floor(index / 10)}`,
    sessionName: null,
    sessionPath: null,
    properties: { team: "search" },
    requestedModel: "gpt-4o-mini",
    provider: "openai",
    model: "gpt-4o-mini",
    stream: false,
    status: 200,
    errorCode: null,
    errorMessage: null,
    ttftMs: null,
    latencyMs: 150 + (index % 900),
    usage: { promptTokens: 20, completionTokens: 40, totalTokens: 60, cachedTokens: 0, reasoningTokens: 0 },
    usageSource: "upstream",
    costUsd: 0.00003,
    cacheStatus: null,
    costSavedUsd: null,
    fallbackUsed: false,
    attempts: [],
    routingRule: null,
    decision: null,
    experiment: null,
    turn: null,
  };
}

const dir = mkdtempSync(join(tmpdir(), "floopy-bench-writer-"));
const stores = await openStores({ databaseUrl: undefined, dataDir: dir });
try {
  const started = performance.now();
  for (let at = 0; at < rows; at += BATCH) {
    await stores.events.insertRequestLogs(
      Array.from({ length: Math.min(BATCH, rows - at) }, (_, index) => record(at + index)),
    );
  }
  const perRow = ((performance.now() - started) / rows) * 1000;
  process.stdout.write(
    `${rows} records in batches of ${BATCH}: ${perRow.toFixed(1)} µs per record (node ${process.version})\n`,
  );
} finally {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
}
