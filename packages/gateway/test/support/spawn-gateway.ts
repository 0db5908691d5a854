/**
 * Runs the gateway the way users do — `npm start` at the repository root — as a child process,
 * and the `floopy` command for key management.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

const root = new URL("../../../../", import.meta.url).pathname;
const floopyBin = new URL("../../bin/floopy.js", import.meta.url).pathname;
const execFileAsync = promisify(execFile);

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals, options?: { npmOnly?: boolean }): Promise<void>;
}

export async function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env: {
      ...process.env,
      FLOOPY_PORT: String(port),
      FLOOPY_HOST: "127.0.0.1",
      FLOOPY_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    url,
    output: () => output,
    /**
     * Signals the gateway as a terminal (Ctrl-C) or `kill -- -PGID` does: the whole process group.
     * With `npmOnly`, only npm is signalled, as a supervisor that knows one pid would.
     * Resolves when every process of the group has exited.
     */
    async stop(signal = "SIGTERM", options: { npmOnly?: boolean } = {}) {
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        if (options.npmOnly) child.kill(signal);
        else process.kill(-pid, signal);
      } catch {
        // already gone
      }
      const started = Date.now();
      while (Date.now() - started < 15_000) {
        try {
          process.kill(-pid, 0);
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // nothing left, as it should be
      }
    },
  };
}

export async function floopy(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync("node", [floopyBin, ...args], { env: { ...process.env, ...env }, cwd: root });
}
