/**
 * What the answer cache costs and saves (issue 13), in one run against the cheap upstream of
 * `bench/fake-upstream.ts`, OpenAI chat JSON requests:
 *   direct            to the upstream (the load generator is not the limit: see the ratio)
 *   bare proxy        the undici pass-through of `bench/bare-proxy.ts` (the floor)
 *   gateway           the gateway as `npm start` runs it, the cache not asked for
 *   … exact miss      `Floopy-Cache: exact` with a fresh `Floopy-Cache-Seed` per request: every
 *                     request misses (one lookup) and stores its answer after the response
 *   … semantic miss   `Floopy-Cache: semantic`, fresh seed: embed + exact and LSH buckets read
 *   … exact hit       the same request again and again: answered from the cache
 *   … semantic hit    a paraphrase of a stored prompt: answered by the semantic tier
 * for the embedded default (memory) and for a gateway on Redis (FLOOPY_REDIS_URL).
 * A hit calls no upstream, so its ratio to direct is what a hit saves over the cheapest provider.
 *
 * Pinning as in gateway-overhead.ts: the proxy under test alone on core 0; upstream, wrk and this
 * driver on core 1; Redis is the machine's own and unpinned.
 *
 *   npm run bench:cache            # 5 s per run
 *   BENCH_DURATION=10 npm run bench:cache    BENCH_REDIS_URL=redis://…
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchProcess, firstLine, spawnPinned, startPinnedGateway } from "./processes.js";
import { type Load, type WrkTarget, wrk } from "./wrk-load.js";

const duration = Number(process.env.BENCH_DURATION ?? 5);
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const root = new URL("..", import.meta.url).pathname;
const out = join(root, "bench/.out");
const proxyCore = 0;
const loadCore = 1;
const key = `fp_bench_cache_${randomBytes(10).toString("hex")}`;

const chat = (question: string) =>
  JSON.stringify({
    model: "gpt-4o-mini",
    max_tokens: 64,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: question },
    ],
  });
const stored = chat("Tell me a short story about a lighthouse keeper and a storm at sea.");
const paraphrase = chat("tell me a short story about a lighthouse keeper and a storm at sea!");

interface Variant {
  name: string;
  target: WrkTarget;
  body: string;
}

interface Figures {
  saturated: Load;
  oneConnection: Load;
}

const hash = (value: string) => `sha256:${createHash("sha256").update(value).digest("hex")}`;

function startGateway(env: Record<string, string>): Promise<{ process: BenchProcess; url: string }> {
  return startPinnedGateway(proxyCore, env);
}

async function measure(variant: Variant): Promise<Figures> {
  process.stderr.write(`  ${variant.name} …\n`);
  const target = { ...variant.target, name: variant.name.replace(/\W+/g, "-") };
  const run = (connections: number, seconds: number) =>
    wrk({ target, body: variant.body, connections, seconds, core: loadCore, dir: out });
  await run(32, 2);
  const saturated = await run(32, duration);
  const oneConnection = await run(1, Math.max(2, Math.ceil(duration / 2)));
  return { saturated, oneConnection };
}

/** Stores `stored` in the gateway's cache (exact and semantic entries) before the hit runs. */
async function prime(url: string): Promise<void> {
  const answer = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "floopy-cache": "semantic",
    },
    body: stored,
  });
  await answer.arrayBuffer();
  // Storing happens after the response: wait until a repeat hits.
  for (let attempt = 0; attempt < 50; attempt++) {
    const again = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        "floopy-cache": "semantic",
      },
      body: paraphrase,
    });
    await again.arrayBuffer();
    if (again.headers.get("floopy-cache-status") === "HIT-SEMANTIC") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the paraphrase never hit the semantic tier");
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

async function main() {
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "floopy-bench-cache-"));
  const config = join(dir, "floopy.yaml");
  // A fresh org per run: Redis entries outlive the gateway that wrote them.
  writeFileSync(
    config,
    [
      "keys:",
      `  - { name: bench, hash: "${hash(key)}", org: bench-${randomBytes(4).toString("hex")} }`,
      "",
    ].join("\n"),
  );
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
    const gateways = {
      memory: await startGateway({
        FLOOPY_DATA_DIR: join(dir, "memory"),
        FLOOPY_CONFIG: config,
        OPENAI_BASE_URL: upstreamUrl,
      }),
      redis: await startGateway({
        FLOOPY_DATA_DIR: join(dir, "redis"),
        FLOOPY_CONFIG: config,
        FLOOPY_REDIS_URL: redisUrl,
        OPENAI_BASE_URL: upstreamUrl,
      }),
    };
    processes.push(gateways.memory.process, gateways.redis.process);
    const variants: Variant[] = [
      {
        name: "direct",
        target: { name: "", process: upstream, url: `${upstreamUrl}/chat/completions`, key: "sk-bench" },
        body: stored,
      },
      {
        name: "bare proxy",
        target: { name: "", process: bare, url: `${bareUrl}/chat/completions`, key: "sk-bench" },
        body: stored,
      },
    ];
    for (const [backend, gateway] of Object.entries(gateways)) {
      await prime(gateway.url);
      const target = (headers: Record<string, string>, randomHeader?: string): WrkTarget => ({
        name: "",
        process: gateway.process,
        url: `${gateway.url}/v1/chat/completions`,
        key,
        headers,
        ...(randomHeader ? { randomHeader } : {}),
      });
      variants.push(
        { name: `${backend}: no cache`, target: target({}), body: stored },
        {
          name: `${backend}: exact miss`,
          target: target({ "floopy-cache": "exact" }, "floopy-cache-seed"),
          body: stored,
        },
        {
          name: `${backend}: semantic miss`,
          target: target({ "floopy-cache": "semantic" }, "floopy-cache-seed"),
          body: stored,
        },
        { name: `${backend}: exact hit`, target: target({ "floopy-cache": "exact" }), body: stored },
        {
          name: `${backend}: semantic hit`,
          target: target({ "floopy-cache": "semantic" }),
          body: paraphrase,
        },
      );
    }
    const results = new Map<string, Figures>();
    for (const variant of variants) results.set(variant.name, await measure(variant));
    const report = table(results);
    process.stdout.write(`${report}\n`);
    writeFileSync(join(out, "cache.md"), `${report}\n`);
  } finally {
    for (const child of processes.reverse()) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(results: Map<string, Figures>): string {
  const direct = results.get("direct");
  const bare = results.get("bare proxy");
  const lines = [
    `wrk -t1, ${duration} s per run, JSON chat requests; proxies on core ${proxyCore}, upstream + wrk on core ${loadCore}; node ${process.version}`,
    "",
    "| variant | req/s c=32 | CPU µs/req | p50 c=32 (ms) | p99 c=32 (ms) | p50 c=1 (ms) | p99 c=1 (ms) | failed | req/s vs direct | CPU vs no cache (µs) |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const [name, { saturated, oneConnection }] of results) {
    const backend = name.includes(":") ? name.slice(0, name.indexOf(":")) : null;
    const plain = backend ? results.get(`${backend}: no cache`) : undefined;
    lines.push(
      `| ${name} | ${fixed(saturated.throughput, 0)} | ${fixed(saturated.cpuUsPerRequest, 1)} | ${fixed(saturated.p50Ms, 3)} | ${fixed(saturated.p99Ms, 3)} | ` +
        `${fixed(oneConnection.p50Ms, 3)} | ${fixed(oneConnection.p99Ms, 3)} | ${saturated.failed + oneConnection.failed} | ` +
        `${direct ? fixed(saturated.throughput / direct.saturated.throughput, 2) : "n/a"} | ` +
        `${plain && plain !== results.get(name) ? fixed(saturated.cpuUsPerRequest - plain.saturated.cpuUsPerRequest, 1) : ""} |`,
    );
  }
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
