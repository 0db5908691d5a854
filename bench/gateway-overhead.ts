/**
 * Gateway overhead benchmark (issue 3). In one run, on loopback, against the zero-delay testkit
 * upstream: (a) direct to the upstream and (b) through the gateway, non-streaming and streaming.
 * Prints throughput at saturation, p50/p99 latency, latency at one connection, time to first
 * streamed byte, CPU time per request and the gateway's peak memory, with gateway/direct ratios.
 *
 * Pinning: the gateway on core 0; the load generator (this process) and the upstream on core 1.
 *
 *   npm run bench                       # 10 s per saturation run
 *   BENCH_DURATION=20 npm run bench     # longer runs
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { request } from "undici";
import { type BenchProcess, firstLine, spawnPinned, waitForHealthy } from "./processes.js";

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const root = new URL("..", import.meta.url).pathname;
const gatewayKey = "fp_bench_0123456789abcdef0123456789";

interface Target {
  name: "direct" | "gateway";
  url: string;
  key: string;
  process: BenchProcess;
}

interface Figures {
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
  oneConnectionP50: number;
  firstByteP50: number;
  cpuMsPerRequest: number;
}

const body = (stream: boolean) =>
  JSON.stringify({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Tell me a short story about a lighthouse keeper and a storm at sea." },
    ],
    ...(stream ? { stream: true } : {}),
  });

async function saturate(target: Target, stream: boolean, seconds: number) {
  const cpuBefore = target.process.cpuMs();
  const result = await autocannon({
    url: `${target.url}/chat/completions`,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json", authorization: `Bearer ${target.key}` },
    body: body(stream),
  });
  const cpuMs = target.process.cpuMs() - cpuBefore;
  const requests = result.requests.total;
  return {
    throughput: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuMsPerRequest: requests > 0 ? cpuMs / requests : Number.NaN,
  };
}

/** One connection, requests one after another: total latency, and time to the first body byte. */
async function oneByOne(target: Target, stream: boolean, count: number) {
  const totals: number[] = [];
  const firstBytes: number[] = [];
  const payload = body(stream);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await request(`${target.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${target.key}` },
      body: payload,
    });
    let first = true;
    for await (const _chunk of response.body) {
      if (first) {
        firstBytes.push(performance.now() - started);
        first = false;
      }
    }
    totals.push(performance.now() - started);
    if (response.statusCode !== 200) throw new Error(`${target.name}: HTTP ${response.statusCode}`);
  }
  return { p50: percentile(totals, 50), firstByteP50: percentile(firstBytes, 50) };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(target: Target, stream: boolean): Promise<Figures> {
  await oneByOne(target, stream, 200); // warm-up: JIT, connection pools
  await saturate(target, stream, 2);
  const saturation = await saturate(target, stream, duration);
  const single = await oneByOne(target, stream, sequential);
  return { ...saturation, oneConnectionP50: single.p50, firstByteP50: single.firstByteP50 };
}

/** Exactly what `npm start` runs (its node flags included), so the benchmark measures that. */
function startCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return manifest.scripts.start
    .split(/\s+/)
    .map((word) => (word.endsWith(".mjs") || word.endsWith(".js") ? join(root, word) : word));
}

const ratio = (gateway: number, direct: number) => (direct === 0 ? "n/a" : (gateway / direct).toFixed(2));
const ms = (value: number) => value.toFixed(3);

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "floopy-bench-"));
  const upstream = spawnPinned(
    1,
    ["node", "--import", "tsx", join(root, "bench/fake-upstream.ts")],
    process.env,
  );
  const upstreamUrl = await firstLine(upstream);
  const gatewayPort = 20000 + Math.floor(Math.random() * 20000);
  const gateway = spawnPinned(0, startCommand(), {
    ...process.env,
    FLOOPY_PORT: String(gatewayPort),
    FLOOPY_HOST: "127.0.0.1",
    FLOOPY_DATA_DIR: dataDir,
    FLOOPY_BOOTSTRAP_KEY: gatewayKey,
    FLOOPY_LOG_LEVEL: "warn",
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: upstreamUrl,
  });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  try {
    await waitForHealthy(`${gatewayUrl}/healthz`);
    const direct: Target = { name: "direct", url: upstreamUrl, key: "sk-bench", process: upstream };
    const through: Target = { name: "gateway", url: `${gatewayUrl}/v1`, key: gatewayKey, process: gateway };
    const results: Record<string, { direct: Figures; gateway: Figures }> = {};
    for (const stream of [false, true]) {
      const mode = stream ? "streaming" : "non-streaming";
      process.stderr.write(`measuring ${mode} …\n`);
      results[mode] = { direct: await measure(direct, stream), gateway: await measure(through, stream) };
    }
    const peakRss = gateway.peakRssMiB();
    const lines = [
      `connections=${connections} duration=${duration}s sequential=${sequential} node=${process.version}`,
      "",
      "| mode | metric | direct | gateway | gateway/direct | added |",
      "|---|---|---|---|---|---|",
    ];
    for (const [mode, { direct: d, gateway: g }] of Object.entries(results)) {
      lines.push(
        `| ${mode} | throughput (req/s) | ${d.throughput.toFixed(0)} | ${g.throughput.toFixed(0)} | ${ratio(g.throughput, d.throughput)} | |`,
      );
      lines.push(
        `| ${mode} | p50 latency at saturation (ms) | ${d.p50} | ${g.p50} | ${ratio(g.p50, d.p50)} | |`,
      );
      lines.push(
        `| ${mode} | p99 latency at saturation (ms) | ${d.p99} | ${g.p99} | ${ratio(g.p99, d.p99)} | |`,
      );
      lines.push(
        `| ${mode} | p50 latency, 1 connection (ms) | ${ms(d.oneConnectionP50)} | ${ms(g.oneConnectionP50)} | ${ratio(g.oneConnectionP50, d.oneConnectionP50)} | ${ms(g.oneConnectionP50 - d.oneConnectionP50)} |`,
      );
      lines.push(
        `| ${mode} | p50 time to first byte, 1 connection (ms) | ${ms(d.firstByteP50)} | ${ms(g.firstByteP50)} | ${ratio(g.firstByteP50, d.firstByteP50)} | ${ms(g.firstByteP50 - d.firstByteP50)} |`,
      );
      lines.push(
        `| ${mode} | CPU per request (ms; upstream for direct, gateway for gateway) | ${ms(d.cpuMsPerRequest)} | ${ms(g.cpuMsPerRequest)} | ${ratio(g.cpuMsPerRequest, d.cpuMsPerRequest)} | |`,
      );
      lines.push(`| ${mode} | errors + non-2xx | ${d.errors} | ${g.errors} | | |`);
    }
    lines.push("", `gateway peak resident memory: ${peakRss.toFixed(1)} MiB`);
    const report = lines.join("\n");
    process.stdout.write(`${report}\n`);
    mkdirSync(join(root, "bench/.out"), { recursive: true });
    writeFileSync(
      join(root, "bench/.out/gateway-overhead.json"),
      JSON.stringify({ results, peakRss }, null, 2),
    );
    writeFileSync(join(root, "bench/.out/gateway-overhead.md"), `${report}\n`);
  } finally {
    await gateway.stop();
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
