/**
 * Gateway overhead benchmark (issue 10). In one run, on loopback, against the cheap upstream of
 * `bench/fake-upstream.ts`, JSON and streamed (20 chunks) OpenAI chat requests go
 *   (a) direct to the upstream,
 *   (b) through the bare undici pass-through proxy of `bench/bare-proxy.ts` (the floor),
 *   (c) through the gateway, started exactly as `npm start` starts it.
 * Load comes from wrk (a C load generator, far cheaper per request than anything in Node), so the
 * direct baseline is bounded by the upstream, not the client; the table prints it to prove it.
 *
 * Pinning on a 2-core machine: the proxy under test (bare proxy or gateway) alone on core 0; the
 * upstream, wrk and this driver on core 1. CPU per request is read from /proc/<pid>/stat (utime +
 * stime) around each saturation run: the upstream's for direct, the proxy's otherwise.
 *
 *   npm run bench                          # 5 s per run
 *   BENCH_DURATION=10 npm run bench        # longer runs
 *   BENCH_PROFILE=cpu npm run bench        # also write a CPU profile of the gateway (bench/.out/profiles)
 *   BENCH_PROFILE=heap npm run bench       # … or a heap (allocation) profile
 *   BENCH_ONLY=gateway npm run bench       # measure only some targets (comma-separated)
 *   BENCH_MODES=stream npm run bench       # … or only some modes (json, stream)
 *   BENCH_GATEWAY_BUNDLE=path/to/other.mjs # the gateway from another build (before/after comparisons)
 *   BENCH_NODE_FLAGS="--flag" npm run bench # node flags for the gateway, after those of `npm start`
 *   BENCH_ROUNDS=5 npm run bench           # saturation rounds per target (3 by default)
 *
 * Every figure comes from rounds, the targets taking turns within each: saturation (throughput,
 * CPU per request: the round with the median throughput) and one connection (c=1 latency, first
 * byte: each the median of its rounds). This host's speed drifts by tens of percent over minutes,
 * and a drift then moves every target alike instead of whichever ran last. The gateway/bare ratio
 * of every saturation round is printed, so the spread is visible.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { request } from "undici";
import { type BenchProcess, firstLine, spawnPinned, waitForHealthy } from "./processes.js";
import { type Load, wrk } from "./wrk-load.js";

const duration = Number(process.env.BENCH_DURATION ?? 5);
const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const profile = process.env.BENCH_PROFILE;
const only = process.env.BENCH_ONLY?.split(",");
const modes = (process.env.BENCH_MODES?.split(",") ?? ["json", "stream"]) as Mode[];
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const nodeFlags = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
const root = new URL("..", import.meta.url).pathname;
const out = join(root, "bench/.out");
const gatewayKey = "fp_bench_0123456789abcdef0123456789";
const proxyCore = 0;
/** Requests each target served over the whole run (for profiles: µs per request). */
const served: Partial<Record<TargetName, number>> = {};
const loadCore = 1;

type TargetName = "direct" | "bare" | "gateway";
type Mode = "json" | "stream";

interface Target {
  name: TargetName;
  /** The process whose CPU a request costs: the upstream for direct, the proxy otherwise. */
  process: BenchProcess;
  url: string;
  key: string;
}

interface Figures {
  /** The saturation round with the median throughput. */
  saturated: Load;
  /** Every saturation round, in order. */
  rounds: Load[];
  oneConnection: Load;
  firstByteP50Ms: number;
  /**
   * The same one-connection figures with the proxy moved onto the load core: no request crosses
   * between cores, so what is left over direct is the proxy's own work on the request's path, not
   * the wake-up of an idle core (which on a virtual machine costs 50–500 µs, varying with the host).
   */
  oneCore: { p50Ms: number; firstByteP50Ms: number };
}

const messages = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Tell me a short story about a lighthouse keeper and a storm at sea." },
];

function requestBody(mode: Mode): string {
  return JSON.stringify({ model: "gpt-4o-mini", messages, ...(mode === "stream" ? { stream: true } : {}) });
}

async function load(target: Target, mode: Mode, connections: number, seconds: number): Promise<Load> {
  const result = await wrk({
    target: { ...target, name: `${target.name}-${mode}` },
    body: requestBody(mode),
    connections,
    seconds,
    core: loadCore,
    dir: out,
  });
  served[target.name] = (served[target.name] ?? 0) + result.requests;
  return result;
}

/** One connection, one request after another: time to the first body byte, median. */
async function firstByte(target: Target, mode: Mode, count: number): Promise<number> {
  const times: number[] = [];
  const headers = { "content-type": "application/json", authorization: `Bearer ${target.key}` };
  const body = requestBody(mode);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await request(target.url, { method: "POST", headers, body });
    let first = true;
    for await (const _chunk of response.body) {
      if (first) times.push(performance.now() - started);
      first = false;
    }
    if (response.statusCode !== 200) throw new Error(`${target.name}: HTTP ${response.statusCode}`);
  }
  served[target.name] = (served[target.name] ?? 0) + count;
  return percentile(times, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Saturation rounds, the targets taking turns within each. */
async function saturate(targets: Target[], mode: Mode): Promise<Map<TargetName, Load[]>> {
  const runs = new Map<TargetName, Load[]>(targets.map((target) => [target.name, []]));
  for (const target of targets) {
    await firstByte(target, mode, 200); // warm-up: JIT, connection pools
    await load(target, mode, 32, 2);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      process.stderr.write(`  ${target.name} ${mode} at 32 connections, round ${round} of ${rounds} …\n`);
      runs.get(target.name)?.push(await load(target, mode, 32, duration));
    }
  }
  return runs;
}

function medianRun(runs: Load[]): Load {
  const sorted = [...runs].sort((a, b) => a.throughput - b.throughput);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Load;
}

type Latencies = Omit<Figures, "saturated" | "rounds">;

/** One connection: c=1 latency and the first body byte, across cores and then on one core. */
async function latencies(target: Target, mode: Mode): Promise<Latencies> {
  const oneConnection = await load(target, mode, 1, Math.max(2, Math.ceil(duration / 2)));
  const firstByteP50Ms = await firstByte(target, mode, sequential);
  // Direct is on the load core already.
  if (target.name !== "direct") target.process.pin(loadCore);
  try {
    const oneCoreLoad = await load(target, mode, 1, Math.max(2, Math.ceil(duration / 2)));
    const oneCoreFirstByte = await firstByte(target, mode, sequential);
    return {
      oneConnection,
      firstByteP50Ms,
      oneCore: { p50Ms: oneCoreLoad.p50Ms, firstByteP50Ms: oneCoreFirstByte },
    };
  } finally {
    if (target.name !== "direct") target.process.pin(proxyCore);
  }
}

const median = (values: number[]) => percentile(values, 50);

/** The one-connection figures in rounds too, the targets taking turns; each figure its median. */
async function latencyRounds(targets: Target[], mode: Mode): Promise<Map<TargetName, Latencies>> {
  const runs = new Map<TargetName, Latencies[]>(targets.map((target) => [target.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      process.stderr.write(`  ${target.name} ${mode} at 1 connection, round ${round} of ${rounds} …\n`);
      runs.get(target.name)?.push(await latencies(target, mode));
    }
  }
  const medians = new Map<TargetName, Latencies>();
  for (const [name, each] of runs) {
    const byP50 = [...each].sort((a, b) => a.oneConnection.p50Ms - b.oneConnection.p50Ms);
    medians.set(name, {
      oneConnection: byP50[Math.floor((byP50.length - 1) / 2)]?.oneConnection as Load,
      firstByteP50Ms: median(each.map((run) => run.firstByteP50Ms)),
      oneCore: {
        p50Ms: median(each.map((run) => run.oneCore.p50Ms)),
        firstByteP50Ms: median(each.map((run) => run.oneCore.firstByteP50Ms)),
      },
    });
  }
  return medians;
}

/** Exactly what `npm start` runs (its node flags included), so the benchmark measures that. */
function startCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  const bundle = process.env.BENCH_GATEWAY_BUNDLE;
  const words = manifest.scripts.start
    .split(/\s+/)
    .map((word) => (word.endsWith(".mjs") || word.endsWith(".js") ? (bundle ?? join(root, word)) : word));
  const dir = join(out, "profiles");
  words.splice(1, 0, ...nodeFlags);
  if (profile === "cpu") words.splice(1, 0, "--cpu-prof", `--cpu-prof-dir=${dir}`);
  if (profile === "heap") words.splice(1, 0, "--heap-prof", `--heap-prof-dir=${dir}`);
  return words;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const ratio = (a: number, b: number) => (b === 0 || !Number.isFinite(a / b) ? "n/a" : (a / b).toFixed(2));

async function main() {
  mkdirSync(out, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "floopy-bench-"));
  const upstream = spawnPinned(
    loadCore,
    ["node", "--import", "tsx", join(root, "bench/fake-upstream.ts")],
    process.env,
  );
  const upstreamUrl = (JSON.parse(await firstLine(upstream)) as { openai: string }).openai;
  const bare = spawnPinned(proxyCore, ["node", "--import", "tsx", join(root, "bench/bare-proxy.ts")], {
    ...process.env,
    BENCH_UPSTREAM: upstreamUrl,
  });
  const bareUrl = await firstLine(bare);
  const gatewayPort = 20000 + Math.floor(Math.random() * 20000);
  const gateway = spawnPinned(proxyCore, startCommand(), {
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
    const targets: Target[] = [
      { name: "direct", process: upstream, url: `${upstreamUrl}/chat/completions`, key: "sk-bench" },
      { name: "bare", process: bare, url: `${bareUrl}/chat/completions`, key: "sk-bench" },
      { name: "gateway", process: gateway, url: `${gatewayUrl}/v1/chat/completions`, key: gatewayKey },
    ].filter((target) => !only || only.includes(target.name)) as Target[];
    const results: Partial<Record<Mode, Partial<Record<TargetName, Figures>>>> = {};
    for (const mode of modes) {
      process.stderr.write(`measuring ${mode} …\n`);
      const byTarget: Partial<Record<TargetName, Figures>> = {};
      const runs = await saturate(targets, mode);
      const oneConnection = await latencyRounds(targets, mode);
      for (const target of targets) {
        const saturation = runs.get(target.name) ?? [];
        byTarget[target.name] = {
          saturated: medianRun(saturation),
          rounds: saturation,
          ...(oneConnection.get(target.name) as Latencies),
        };
      }
      results[mode] = byTarget;
    }
    // Peak memory under 64 connections, after everything else: VmHWM is the process's peak so far.
    const peak: Partial<Record<TargetName, number>> = {};
    for (const target of targets.filter((each) => each.name !== "direct")) {
      process.stderr.write(`  ${target.name} at 64 connections …\n`);
      for (const mode of modes) await load(target, mode, 64, duration);
      peak[target.name] = target.process.peakRssMiB();
    }
    const report = table(results, peak);
    process.stdout.write(`${report}\n`);
    writeFileSync(join(out, "gateway-overhead.json"), JSON.stringify({ results, peak, served }, null, 2));
    if (profile)
      process.stderr.write(
        `gateway served ${served.gateway ?? 0} requests (profile in ${join(out, "profiles")})\n`,
      );
    writeFileSync(join(out, "gateway-overhead.md"), `${report}\n`);
  } finally {
    await gateway.stop();
    await bare.stop();
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(
  results: Partial<Record<Mode, Partial<Record<TargetName, Figures>>>>,
  peak: Partial<Record<TargetName, number>>,
): string {
  const lines = [
    `wrk -t1, ${duration} s per run, c=32 (saturation) and c=1, each the median of ${rounds} interleaved rounds; proxies pinned to core ${proxyCore}, upstream + wrk on core ${loadCore}; node ${process.version}`,
    "",
    "| mode | metric | direct | bare proxy | gateway | gateway/bare | gateway/direct |",
    "|---|---|---|---|---|---|---|",
  ];
  const row = (
    mode: string,
    metric: string,
    values: (Figures | undefined)[],
    pick: (f: Figures) => number,
    digits: number,
  ) => {
    const [d, b, g] = values.map((figures) => (figures ? pick(figures) : Number.NaN)) as [
      number,
      number,
      number,
    ];
    lines.push(
      `| ${mode} | ${metric} | ${fixed(d, digits)} | ${fixed(b, digits)} | ${fixed(g, digits)} | ${ratio(g, b)} | ${ratio(g, d)} |`,
    );
  };
  const notes: string[] = [];
  for (const [mode, byTarget] of Object.entries(results)) {
    const values = [byTarget.direct, byTarget.bare, byTarget.gateway];
    row(mode, "throughput at c=32 (req/s)", values, (f) => f.saturated.throughput, 0);
    row(mode, "CPU per request (µs; upstream for direct)", values, (f) => f.saturated.cpuUsPerRequest, 1);
    row(mode, "p50 latency at c=32 (ms)", values, (f) => f.saturated.p50Ms, 3);
    row(mode, "p99 latency at c=32 (ms)", values, (f) => f.saturated.p99Ms, 3);
    row(mode, "p50 latency at c=1 (ms)", values, (f) => f.oneConnection.p50Ms, 3);
    row(mode, "p50 first body byte, 1 connection (ms)", values, (f) => f.firstByteP50Ms, 3);
    row(mode, "p50 latency at c=1, one core (ms)", values, (f) => f.oneCore.p50Ms, 3);
    row(mode, "p50 first body byte, one core (ms)", values, (f) => f.oneCore.firstByteP50Ms, 3);
    row(
      mode,
      "failed (non-2xx + socket errors)",
      values,
      (f) => f.rounds.reduce((sum, run) => sum + run.failed, 0) + f.oneConnection.failed,
      0,
    );
    const { direct, bare, gateway } = byTarget;
    if (direct && gateway) {
      notes.push(
        `${mode}: direct baseline ${fixed(direct.saturated.throughput, 0)} req/s = ${ratio(direct.saturated.throughput, gateway.saturated.throughput)}× the gateway` +
          `${bare ? ` and ${ratio(direct.saturated.throughput, bare.saturated.throughput)}× the bare proxy` : ""}` +
          (direct.saturated.throughput > 1.5 * (bare ?? gateway).saturated.throughput
            ? " (the load generator is not the limit)"
            : " (WARNING: the direct baseline is not well above the proxies; the load generator or the upstream may be the limit)"),
      );
      notes.push(
        `${mode}: added p50 at c=1 over direct: gateway ${fixed(gateway.oneConnection.p50Ms - direct.oneConnection.p50Ms, 3)} ms` +
          (bare ? `, bare proxy ${fixed(bare.oneConnection.p50Ms - direct.oneConnection.p50Ms, 3)} ms` : "") +
          `; on one core: gateway ${fixed(gateway.oneCore.p50Ms - direct.oneCore.p50Ms, 3)} ms` +
          (bare ? `, bare proxy ${fixed(bare.oneCore.p50Ms - direct.oneCore.p50Ms, 3)} ms` : ""),
      );
    }
    if (bare && gateway) {
      const perRound = (pick: (run: Load) => number) =>
        gateway.rounds.map((run, index) => ratio(pick(run), pick(bare.rounds[index] as Load))).join(", ");
      notes.push(
        `${mode}: gateway/bare per round: throughput ${perRound((run) => run.throughput)}; CPU per request ${perRound((run) => run.cpuUsPerRequest)}`,
      );
      notes.push(
        `${mode}: first body byte, gateway − bare proxy: ${fixed(gateway.firstByteP50Ms - bare.firstByteP50Ms, 3)} ms; on one core: ${fixed(gateway.oneCore.firstByteP50Ms - bare.oneCore.firstByteP50Ms, 3)} ms`,
      );
    }
  }
  lines.push("", ...notes.map((note) => `- ${note}`));
  lines.push(
    `- peak resident memory after c=64 (VmHWM): gateway ${fixed(peak.gateway ?? Number.NaN, 1)} MiB, bare proxy ${fixed(peak.bare ?? Number.NaN, 1)} MiB`,
  );
  return lines.join("\n");
}

await main();
