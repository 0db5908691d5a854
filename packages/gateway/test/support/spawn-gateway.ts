/**
 * Runs the gateway the way users do — `npm start` at the repository root, which builds and runs
 * the bundle — as a child process on port 0 (the port it got is read from its "listening" line),
 * and the `floopy` command (the same bundle) for key management. Waits are on conditions.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { vi } from "vitest";

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
  const started = startProcess(env);
  const { child } = started;
  const exited = new Promise<never>((_resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`gateway exited ${code}: ${started.output()}`)));
  });
  exited.catch(() => undefined);
  const url = await Promise.race([
    exited,
    vi.waitFor(
      () => {
        const listening = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"floopy gateway listening"/.exec(
          started.output(),
        );
        if (!listening?.[1]) throw new Error(`not listening yet: ${started.output()}`);
        return listening[1];
      },
      { timeout: 60_000, interval: 50 },
    ),
  ]);
  const output = started.output;
  return {
    child,
    url,
    output,
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
      await vi
        .waitFor(
          () => {
            try {
              process.kill(-pid, 0);
            } catch {
              return;
            }
            throw new Error("still running");
          },
          { timeout: 15_000, interval: 50 },
        )
        .catch(() => undefined);
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // nothing left, as it should be
      }
    },
  };
}

/** Starts `npm start` and waits for it to exit on its own (a start that must fail). */
export async function runGatewayToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const started = startProcess(env);
  // "close", not "exit": it comes once the pipes are drained too, so the output is complete.
  const code = await new Promise<number | null>((resolve) => started.child.once("close", resolve));
  return { code, output: started.output() };
}

/**
 * Starts the gateway in its own process group, its stdout and stderr collected: `npm start` at the
 * root by default, or another command (an installed package's `npx floopy serve`).
 */
export function startProcess(
  env: Record<string, string>,
  how: { command: string[]; cwd: string } = { command: ["npm", "start", "--silent"], cwd: root },
): { child: ChildProcess; output(): string } {
  const [program = "npm", ...args] = how.command;
  const child = spawn(program, args, {
    cwd: how.cwd,
    env: {
      ...process.env,
      FLOOPY_PORT: "0",
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
  return { child, output: () => output };
}

export async function floopy(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync("node", [floopyBin, ...args], { env: { ...process.env, ...env }, cwd: root });
}
