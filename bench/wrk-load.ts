/**
 * One wrk run against one target (POST of a JSON body with a bearer key), with the CPU the
 * target's process spent on it: what every benchmark here measures load with. wrk is a C load
 * generator, so a run is bounded by the target, not by the client (bench/ensure-wrk.sh installs it).
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchProcess } from "./processes.js";

const run = promisify(execFile);

export interface WrkTarget {
  /** Names the script file; unique per target and body. */
  name: string;
  process: BenchProcess;
  url: string;
  key: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** A header set to a fresh random value on every request (e.g. a cache seed, to force misses). */
  randomHeader?: string;
}

export interface Load {
  throughput: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  cpuUsPerRequest: number;
}

export interface WrkRun {
  target: WrkTarget;
  body: string;
  connections: number;
  seconds: number;
  /** The core wrk runs on. */
  core: number;
  /** Where the wrk script is written. */
  dir: string;
}

/** A wrk script that POSTs the body and prints its summary as one JSON line. */
function wrkScript(run: WrkRun): string {
  const path = join(run.dir, `wrk-${run.target.name}.lua`);
  writeFileSync(
    path,
    [
      'wrk.method = "POST"',
      `wrk.body = [==[${run.body}]==]`,
      'wrk.headers["content-type"] = "application/json"',
      `wrk.headers["authorization"] = "Bearer ${run.target.key}"`,
      ...Object.entries(run.target.headers ?? {}).map(
        ([name, value]) => `wrk.headers["${name}"] = "${value}"`,
      ),
      ...(run.target.randomHeader
        ? [
            "local counter = 0",
            "request = function()",
            "  counter = counter + 1",
            `  wrk.headers["${run.target.randomHeader}"] = tostring(math.random(1, 2147483647)) .. "-" .. counter`,
            "  return wrk.format()",
            "end",
          ]
        : []),
      "done = function(summary, latency, requests)",
      "  local e = summary.errors",
      '  io.write(string.format("BENCH %d %d %d %d %f %f\\n", summary.requests, summary.duration,',
      "    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))",
      "end",
      "",
    ].join("\n"),
  );
  return path;
}

export async function wrk(options: WrkRun): Promise<Load> {
  const script = wrkScript(options);
  const cpuBefore = options.target.process.cpuMs();
  const { stdout } = await run(
    "taskset",
    [
      "-c",
      String(options.core),
      "wrk",
      "-t1",
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      "10s",
      "-s",
      script,
      options.target.url,
    ],
    { maxBuffer: 1 << 20 },
  );
  const cpuMs = options.target.process.cpuMs() - cpuBefore;
  const line = stdout.split("\n").find((text) => text.startsWith("BENCH "));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const [requests = 0, durationUs = 1, non2xx = 0, socketErrors = 0, p50Us = 0, p99Us = 0] = line
    .slice(6)
    .split(" ")
    .map(Number);
  return {
    throughput: requests / (durationUs / 1e6),
    requests,
    p50Ms: p50Us / 1000,
    p99Ms: p99Us / 1000,
    failed: non2xx + socketErrors,
    cpuUsPerRequest: requests > 0 ? (cpuMs * 1000) / requests : Number.NaN,
  };
}
