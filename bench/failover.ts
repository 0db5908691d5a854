/**
 * Failover benchmark (issue 5): steady load through the gateway while the primary (the OpenAI
 * fake) fails half of its requests with a 500, with the Anthropic fake as fallback. Reports the
 * success rate callers see, how requests were served (primary, fallback after a failed attempt,
 * fallback with the primary's circuit open), and the latency a failover adds, measured in the same
 * run against requests the primary answered.
 *
 *   npm run bench:failover
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { request } from "undici";
import { firstLine, spawnPinned, waitForHealthy } from "./processes.js";

const root = new URL("..", import.meta.url).pathname;
const gatewayKey = "fp_bench_0123456789abcdef0123456789";
const duration = Number(process.env.BENCH_DURATION ?? 10);
const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const failurePercent = 50;

const headers = {
  "content-type": "application/json",
  authorization: `Bearer ${gatewayKey}`,
  "floopy-fallback": "anthropic/claude-sonnet-4-6",
};
const body = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Tell me a short story." }],
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "floopy-bench-failover-"));
  const upstream = spawnPinned(1, ["node", "--import", "tsx", join(root, "bench/fake-upstream.ts")], {
    ...process.env,
    BENCH_PRIMARY_FAILURE_PERCENT: String(failurePercent),
  });
  const urls = JSON.parse(await firstLine(upstream)) as { openai: string; anthropic: string };
  const lines = [
    `primary failure rate ${failurePercent} % (HTTP 500), fallback anthropic/claude-sonnet-4-6 (translated), node=${process.version}`,
    "",
    "| measure | breakers on (default) | breakers off |",
    "|---|---|---|",
  ];
  const columns: string[][] = [];
  try {
    for (const breakerEnv of [{}, { FLOOPY_BREAKER_MIN_REQUESTS: "1000000000" }]) {
      columns.push(await scenario(urls, dataDir, breakerEnv));
    }
  } finally {
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const labels = [
    "sequential requests answered 200",
    "… answered by the primary",
    "… answered by the fallback",
    "p50 latency, primary answered (ms)",
    "p50 latency, fallback answered (ms)",
    "added p50 latency of a failover (ms)",
    `success rate at saturation (32 connections, ${duration} s)`,
    "throughput at saturation (req/s)",
  ];
  for (const [index, label] of labels.entries()) {
    lines.push(`| ${label} | ${columns[0]?.[index]} | ${columns[1]?.[index]} |`);
  }

  process.stdout.write(`${lines.join("\n")}\n`);
}

async function scenario(
  urls: { openai: string; anthropic: string },
  dataDir: string,
  extraEnv: Record<string, string>,
) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const gateway = spawnPinned(0, ["node", join(root, "packages/gateway/dist/floopy.mjs"), "serve"], {
    ...process.env,
    ...extraEnv,
    FLOOPY_PORT: String(port),
    FLOOPY_HOST: "127.0.0.1",
    FLOOPY_DATA_DIR: join(dataDir, String(port)),
    FLOOPY_BOOTSTRAP_KEY: gatewayKey,
    FLOOPY_LOG_LEVEL: "warn",
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: urls.openai,
    ANTHROPIC_API_KEY: "sk-ant-bench",
    ANTHROPIC_BASE_URL: urls.anthropic,
  });
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  try {
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
    // One connection, one request at a time: how each request was served and what it took.
    const primary: number[] = [];
    const fallback: number[] = [];
    let failed = 0;
    for (let index = 0; index < sequential; index++) {
      const started = performance.now();
      const response = await request(url, { method: "POST", headers, body });
      await response.body.dump();
      const elapsed = performance.now() - started;
      if (response.statusCode !== 200) failed++;
      else if (response.headers["floopy-provider"] === "openai") primary.push(elapsed);
      else fallback.push(elapsed);
    }
    // Saturation: the success rate callers see under load.
    const load = await autocannon({ url, method: "POST", connections: 32, duration, headers, body });
    const total = load.requests.total;
    const ok = total - load.non2xx - load.errors;
    const p50 = (values: number[]) => (values.length === 0 ? Number.NaN : percentile(values, 50));
    return [
      `${sequential - failed} / ${sequential}`,
      String(primary.length),
      String(fallback.length),
      p50(primary).toFixed(3),
      p50(fallback).toFixed(3),
      (p50(fallback) - p50(primary)).toFixed(3),
      `${((ok / Math.max(1, total)) * 100).toFixed(2)} % of ${total}`,
      load.requests.average.toFixed(0),
    ];
  } finally {
    await gateway.stop();
  }
}

await main();
