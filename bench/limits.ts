/**
 * What limits cost on the request path (issue 12), in one run against the cheap upstream of
 * `bench/fake-upstream.ts`, OpenAI chat JSON requests:
 *   direct          to the upstream (the load generator is not the limit: see the ratio)
 *   bare proxy      the undici pass-through of `bench/bare-proxy.ts` (the floor)
 *   embedded        the gateway as `npm start` runs it (SQLite + memory), a key without limits
 *   embedded+limits the same, the key with rpm, tpm and a monthly budget (counters in memory)
 *   fleet+limits    the gateway on PostgreSQL + Redis (FLOOPY_DATABASE_URL, FLOOPY_REDIS_URL),
 *                   the same limited key: one Redis round trip per request to acquire, one to settle
 * The limits are far above what the run sends, so every request is admitted and the figures are
 * what counting costs, not what refusing saves.
 *
 * Pinning as in gateway-overhead.ts: the proxy under test alone on core 0; upstream, wrk and this
 * driver on core 1. Redis and PostgreSQL are the machine's own services and are not pinned (they
 * share the cores with everything else; their CPU is not in the gateway's per-request figure).
 *
 *   npm run bench:limits                         # 5 s per run
 *   BENCH_DURATION=10 npm run bench:limits
 *   BENCH_DATABASE_URL=postgres://…  BENCH_REDIS_URL=redis://…   (defaults: 127.0.0.1's test database and Redis)
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type BenchProcess, firstLine, spawnPinned, startPinnedGateway } from "./processes.js";
import { type Load, wrk } from "./wrk-load.js";

const duration = Number(process.env.BENCH_DURATION ?? 5);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const root = new URL("..", import.meta.url).pathname;
const out = join(root, "bench/.out");
const proxyCore = 0;
const loadCore = 1;
const plainKey = "fp_bench_plain_0123456789abcdef0123";
const limitedKey = "fp_bench_limited_0123456789abcdef01";

const body = JSON.stringify({
  model: "gpt-4o-mini",
  max_tokens: 64,
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Tell me a short story about a lighthouse keeper and a storm at sea." },
  ],
});

interface Variant {
  name: string;
  process: BenchProcess;
  url: string;
  key: string;
}

interface Figures {
  saturated: Load;
  oneConnection: Load;
}

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;

function configFile(dir: string): string {
  const path = join(dir, "floopy.yaml");
  writeFileSync(
    path,
    [
      "keys:",
      `  - { name: plain, hash: "${hash(plainKey)}" }`,
      `  - { name: limited, hash: "${hash(limitedKey)}", rpm: 2000000000, tpm: 2000000000, monthly_budget_usd: 1000000000 }`,
      "",
    ].join("\n"),
  );
  return path;
}

function startGateway(env: Record<string, string>): Promise<{ process: BenchProcess; url: string }> {
  return startPinnedGateway(proxyCore, env);
}

async function measure(variant: Variant): Promise<Figures> {
  process.stderr.write(`  ${variant.name} …\n`);
  const target = { ...variant, name: variant.name.replace(/\W+/g, "-") };
  const run = (connections: number, seconds: number) =>
    wrk({ target, body, connections, seconds, core: loadCore, dir: out });
  await run(32, 2); // warm-up: JIT, connection pools
  const saturated = await run(32, duration);
  const oneConnection = await run(1, Math.max(2, Math.ceil(duration / 2)));
  return { saturated, oneConnection };
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

async function main() {
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "floopy-bench-limits-"));
  const config = configFile(dir);
  const schema = `bench_limits_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const fleetUrl = new URL(databaseUrl);
  fleetUrl.searchParams.set("options", `-c search_path=${schema}`);
  const fleetDatabaseUrl = fleetUrl.toString();
  const processes: BenchProcess[] = [];
  try {
    const upstream = spawnPinned(
      loadCore,
      ["node", "--import", "tsx", join(root, "bench/fake-upstream.ts")],
      process.env,
    );
    processes.push(upstream);
    const upstreamUrl = (JSON.parse(await firstLine(upstream)) as { openai: string }).openai;
    const bare = spawnPinned(proxyCore, ["node", "--import", "tsx", join(root, "bench/bare-proxy.ts")], {
      ...process.env,
      BENCH_UPSTREAM: upstreamUrl,
    });
    processes.push(bare);
    const bareUrl = await firstLine(bare);
    const embedded = await startGateway({
      FLOOPY_DATA_DIR: join(dir, "embedded"),
      FLOOPY_CONFIG: config,
      OPENAI_BASE_URL: upstreamUrl,
    });
    processes.push(embedded.process);
    const fleet = await startGateway({
      FLOOPY_DATA_DIR: join(dir, "fleet"),
      FLOOPY_CONFIG: config,
      FLOOPY_DATABASE_URL: fleetDatabaseUrl,
      FLOOPY_REDIS_URL: redisUrl,
      FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
      OPENAI_BASE_URL: upstreamUrl,
    });
    processes.push(fleet.process);
    // Only one gateway is measured at a time; the other idles on the same core.
    const variants: Variant[] = [
      { name: "direct", process: upstream, url: `${upstreamUrl}/chat/completions`, key: "sk-bench" },
      { name: "bare proxy", process: bare, url: `${bareUrl}/chat/completions`, key: "sk-bench" },
      { name: "embedded", ...embedded, url: `${embedded.url}/v1/chat/completions`, key: plainKey },
      { name: "embedded+limits", ...embedded, url: `${embedded.url}/v1/chat/completions`, key: limitedKey },
      { name: "fleet (no limits)", ...fleet, url: `${fleet.url}/v1/chat/completions`, key: plainKey },
      { name: "fleet+limits", ...fleet, url: `${fleet.url}/v1/chat/completions`, key: limitedKey },
    ];
    const results = new Map<string, Figures>();
    for (const variant of variants) results.set(variant.name, await measure(variant));
    const report = table(results);
    process.stdout.write(`${report}\n`);
    writeFileSync(join(out, "limits.md"), `${report}\n`);
  } finally {
    for (const child of processes.reverse()) await child.stop();
    await admin.query(`drop schema ${schema} cascade`).catch(() => {});
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(results: Map<string, Figures>): string {
  const bare = results.get("bare proxy");
  const embedded = results.get("embedded");
  const lines = [
    `wrk -t1, ${duration} s per run, JSON chat requests (max_tokens 64); proxies on core ${proxyCore}, upstream + wrk on core ${loadCore}; node ${process.version}`,
    "",
    "| variant | req/s at c=32 | CPU µs/request | p50 c=32 (ms) | p50 c=1 (ms) | failed | req/s vs bare | CPU vs embedded (µs) | p50 c=1 vs embedded (ms) |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const [name, figures] of results) {
    const { saturated, oneConnection } = figures;
    lines.push(
      `| ${name} | ${fixed(saturated.throughput, 0)} | ${fixed(saturated.cpuUsPerRequest, 1)} | ${fixed(saturated.p50Ms, 3)} | ${fixed(oneConnection.p50Ms, 3)} | ${saturated.failed + oneConnection.failed} | ` +
        `${bare ? fixed(saturated.throughput / bare.saturated.throughput, 2) : "n/a"} | ` +
        `${embedded && name !== "direct" && name !== "bare proxy" ? fixed(saturated.cpuUsPerRequest - embedded.saturated.cpuUsPerRequest, 1) : ""} | ` +
        `${embedded && name !== "direct" && name !== "bare proxy" ? fixed(oneConnection.p50Ms - embedded.oneConnection.p50Ms, 3) : ""} |`,
    );
  }
  const direct = results.get("direct");
  if (direct && bare) {
    lines.push(
      "",
      `- direct baseline ${fixed(direct.saturated.throughput, 0)} req/s = ${fixed(direct.saturated.throughput / bare.saturated.throughput, 2)}× the bare proxy` +
        (direct.saturated.throughput > 1.5 * bare.saturated.throughput
          ? " (the load generator is not the limit)"
          : " (WARNING: the direct baseline is not well above the proxies)"),
    );
  }
  return lines.join("\n");
}

await main();
