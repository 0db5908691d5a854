/**
 * The decision export in bounded memory (issue 14): 100,000 stored decisions (and 10,000, to show
 * the footprint does not grow with the range) exported through `GET /v1/export/decisions` from a
 * gateway started as `npm start` starts it, the body read as it streams and its trailer's
 * checksum verified. Prints throughput and the gateway's resident memory before and during the
 * export (sampled from /proc every 20 ms).
 *
 *   npm run bench:export                 BENCH_EXPORT_ROWS=200000 npm run bench:export
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStores } from "../packages/gateway/src/store/open-stores.js";
import type { RequestLogRecord } from "../packages/gateway/src/store/types.js";
import { startPinnedGateway } from "./processes.js";

const rows = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
const key = "fp_bench_export_0123456789abcdefghij";
const org = "bench-export";

function record(index: number, start: number): RequestLogRecord {
  return {
    id: randomUUID(),
    createdAt: new Date(start + index),
    operation: "generate",
    ingressProtocol: "openai-chat",
    orgId: org,
    keyId: "key_bench",
    projectId: null,
    userId: null,
    sessionId: null,
    sessionName: null,
    sessionPath: null,
    properties: {},
    requestedModel: "gpt-4o-mini",
    provider: "openai",
    model: "gpt-4o-mini",
    stream: false,
    status: 200,
    errorCode: null,
    errorMessage: null,
    ttftMs: 120,
    latencyMs: 340,
    usage: { promptTokens: 20, completionTokens: 40, totalTokens: 60, cachedTokens: 0, reasoningTokens: 0 },
    usageSource: "upstream",
    costUsd: 0.00003,
    cacheStatus: null,
    costSavedUsd: null,
    fallbackUsed: false,
    attempts: [{ provider: "openai", model: "gpt-4o-mini", status: 200, errorClass: null, latencyMs: 330 }],
    routingRule: null,
    decision: {
      strategy: null,
      candidates: [{ provider: "openai", model: "gpt-4o-mini", source: "model", score: null, skipped: null }],
      allCircuitsOpen: false,
    },
    experiment: null,
    turn: null,
  };
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function seed(dataDir: string, count: number, start: number): Promise<void> {
  const stores = await openStores({ databaseUrl: undefined, dataDir });
  try {
    for (let at = 0; at < count; at += 5_000) {
      const batch = Array.from({ length: Math.min(5_000, count - at) }, (_, index) =>
        record(at + index, start),
      );
      await stores.events.insertRequestLogs(batch);
    }
  } finally {
    await stores.close();
  }
}

async function exportOnce(url: string, pid: number, from: Date, to: Date) {
  const before = rssMiB(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 20);
  const started = performance.now();
  const answer = await fetch(`${url}/v1/export/decisions?from=${from.toISOString()}&to=${to.toISOString()}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (answer.status !== 200 || !answer.body) throw new Error(`export answered ${answer.status}`);
  const hash = createHash("sha256");
  let tail = Buffer.alloc(0);
  let bytes = 0;
  for await (const chunk of answer.body) {
    const data = Buffer.from(chunk);
    bytes += data.length;
    // Hash everything but the last line (the trailer), which is only known at the end.
    const joined = Buffer.concat([tail, data]);
    const cut = joined.lastIndexOf(0x0a, joined.length - 2);
    if (cut >= 0) {
      hash.update(joined.subarray(0, cut + 1));
      tail = joined.subarray(cut + 1);
    } else tail = joined;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const trailer = JSON.parse(tail.toString("utf8")) as {
    row_count: number;
    byte_count: number;
    checksum_sha256: string;
  };
  const verified =
    trailer.checksum_sha256 === hash.digest("hex") && trailer.byte_count === bytes - tail.length;
  return { rows: trailer.row_count, seconds, bytes, before, peak, verified };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "floopy-bench-export-"));
  const config = join(dir, "floopy.yaml");
  const hash = createHash("sha256").update(key).digest("hex");
  writeFileSync(config, `keys:\n  - { name: bench, hash: "sha256:${hash}", org: ${org} }\n`);
  const small = Math.max(1, Math.floor(rows / 10));
  const startSmall = Date.UTC(2026, 0, 1);
  const startLarge = Date.UTC(2026, 1, 1);
  process.stderr.write(`  seeding ${small} + ${rows} decisions …\n`);
  await seed(dir, small, startSmall);
  await seed(dir, rows, startLarge);
  const { process: gateway, url } = await startPinnedGateway(0, {
    FLOOPY_DATA_DIR: dir,
    FLOOPY_CONFIG: config,
  });
  try {
    const results = [
      {
        label: `${small} rows`,
        ...(await exportOnce(url, gateway.pid, new Date(startSmall), new Date(startSmall + small))),
      },
      {
        label: `${rows} rows`,
        ...(await exportOnce(url, gateway.pid, new Date(startLarge), new Date(startLarge + rows))),
      },
    ];
    const lines = [
      `node ${process.version}; gateway on core 0 (SQLite, the embedded default), reader on core 1`,
      "",
      "| export | rows | MiB | seconds | rows/s | MiB/s | RSS before (MiB) | peak RSS during (MiB) | checksum |",
      "|---|---|---|---|---|---|---|---|---|",
      ...results.map(
        (result) =>
          `| ${result.label} | ${result.rows} | ${(result.bytes / 2 ** 20).toFixed(1)} | ${result.seconds.toFixed(2)} | ${Math.round(result.rows / result.seconds)} | ${(result.bytes / 2 ** 20 / result.seconds).toFixed(1)} | ${result.before.toFixed(1)} | ${result.peak.toFixed(1)} | ${result.verified ? "verified" : "MISMATCH"} |`,
      ),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
