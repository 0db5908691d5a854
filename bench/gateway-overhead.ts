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
  process: BenchProcess;
  /** What one request looks like: the full URL, its headers and its body. */
  request(stream: boolean): { url: string; headers: Record<string, string>; body: string };
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

const messages = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Tell me a short story about a lighthouse keeper and a storm at sea." },
];

/** An OpenAI chat request, to the OpenAI fake directly or through the gateway. */
function chatTarget(
  name: Target["name"],
  process: BenchProcess,
  baseUrl: string,
  key: string,
  model: string,
): Target {
  return {
    name,
    process,
    request: (stream) => ({
      url: `${baseUrl}/chat/completions`,
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages, ...(stream ? { stream: true } : {}) }),
    }),
  };
}

/** The same conversation as an Anthropic Messages request, straight to the Anthropic fake. */
function anthropicTarget(process: BenchProcess, origin: string): Target {
  return {
    name: "direct",
    process,
    request: (stream) => ({
      url: `${origin}/v1/messages`,
      headers: {
        "content-type": "application/json",
        "x-api-key": "sk-ant-bench",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        system: messages[0]?.content,
        messages: [messages[1]],
        ...(stream ? { stream: true } : {}),
      }),
    }),
  };
}

async function saturate(target: Target, stream: boolean, seconds: number) {
  const cpuBefore = target.process.cpuMs();
  const { url, headers, body } = target.request(stream);
  const result = await autocannon({ url, method: "POST", connections, duration: seconds, headers, body });
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
  const { url, headers, body } = target.request(stream);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await request(url, { method: "POST", headers, body });
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
  const upstreamUrls = JSON.parse(await firstLine(upstream)) as { openai: string; anthropic: string };
  const upstreamUrl = upstreamUrls.openai;
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
    ANTHROPIC_API_KEY: "sk-ant-bench",
    ANTHROPIC_BASE_URL: upstreamUrls.anthropic,
  });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  try {
    await waitForHealthy(`${gatewayUrl}/healthz`);
    const direct = chatTarget("direct", upstream, upstreamUrl, "sk-bench", "gpt-4o-mini");
    const through = chatTarget("gateway", gateway, `${gatewayUrl}/v1`, gatewayKey, "gpt-4o-mini");
    const results: Record<string, { direct: Figures; gateway: Figures }> = {};
    for (const stream of [false, true]) {
      const mode = stream ? "streaming" : "non-streaming";
      process.stderr.write(`measuring ${mode} …\n`);
      results[mode] = { direct: await measure(direct, stream), gateway: await measure(through, stream) };
    }
    // The translated path: an OpenAI caller streaming from Anthropic (OpenAI chunks out of
    // Anthropic events), against the Anthropic fake spoken to directly in its own protocol.
    process.stderr.write("measuring translated streaming (OpenAI caller, Anthropic upstream) …\n");
    results["translated streaming"] = {
      direct: await measure(anthropicTarget(upstream, upstreamUrls.anthropic), true),
      gateway: await measure(
        chatTarget("gateway", gateway, `${gatewayUrl}/v1`, gatewayKey, "claude-sonnet-4-6"),
        true,
      ),
    };
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
    const same = results.streaming?.gateway;
    const translated = results["translated streaming"]?.gateway;
    if (same && translated) {
      lines.push(
        "",
        "| translated vs same-protocol streaming, through the gateway | same protocol | translated | translated/same |",
        "|---|---|---|---|",
        `| throughput (req/s) | ${same.throughput.toFixed(0)} | ${translated.throughput.toFixed(0)} | ${ratio(translated.throughput, same.throughput)} |`,
        `| p50 latency, 1 connection (ms) | ${ms(same.oneConnectionP50)} | ${ms(translated.oneConnectionP50)} | ${ratio(translated.oneConnectionP50, same.oneConnectionP50)} |`,
        `| CPU per request (ms) | ${ms(same.cpuMsPerRequest)} | ${ms(translated.cpuMsPerRequest)} | ${ratio(translated.cpuMsPerRequest, same.cpuMsPerRequest)} |`,
      );
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
