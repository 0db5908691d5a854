/**
 * Child processes for benchmarks: spawn pinned to a core, wait for readiness, read CPU time and
 * peak memory from /proc, stop.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface BenchProcess {
  child: ChildProcess;
  pid: number;
  /** CPU time (user + system) consumed so far, in milliseconds. */
  cpuMs(): number;
  /** Peak resident memory so far, in MiB. */
  peakRssMiB(): number;
  /** Moves the process, every thread of it, to another core. */
  pin(core: number): void;
  stop(): Promise<void>;
}

const clockTicks = 100;

export function spawnPinned(core: number, command: string[], env: NodeJS.ProcessEnv): BenchProcess {
  const child = spawn("taskset", ["-c", String(core), ...command], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command.join(" ")}`);
  const pid = child.pid;
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.on("exit", (code, signal) => {
    if (code !== 0 && code !== null && signal === null)
      process.stderr.write(`process ${command.join(" ")} exited ${code}: ${stderr}\n`);
  });
  return {
    child,
    pid,
    cpuMs() {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      return ((utime + stime) * 1000) / clockTicks;
    },
    peakRssMiB() {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      return match ? Number(match[1]) / 1024 : Number.NaN;
    },
    pin(core) {
      execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      });
    },
  };
}

/** Resolves with the first line the process prints on stdout. */
export function firstLine(processHandle: BenchProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdout = processHandle.child.stdout;
    if (!stdout) return reject(new Error("no stdout"));
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(
      () => reject(new Error("timed out waiting for the process to print its address")),
      timeoutMs,
    );
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
}

export async function waitForHealthy(url: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

const root = new URL("..", import.meta.url).pathname;

/** The command `npm start` runs, with the bundle's path made absolute. */
export function npmStartCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return manifest.scripts.start.split(/\s+/).map((word) => (word.endsWith(".mjs") ? join(root, word) : word));
}

/** A gateway started as `npm start` starts it, on `core`, on a random port, once healthy. */
export async function startPinnedGateway(
  core: number,
  env: Record<string, string>,
): Promise<{ process: BenchProcess; url: string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawnPinned(core, npmStartCommand(), {
    ...process.env,
    FLOOPY_PORT: String(port),
    FLOOPY_HOST: "127.0.0.1",
    FLOOPY_LOG_LEVEL: "warn",
    OPENAI_API_KEY: "sk-bench",
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealthy(`${url}/healthz`);
  return { process: child, url };
}
