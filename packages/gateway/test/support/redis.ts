/**
 * Redis for tests. `describeWithRedis` runs a suite against FLOOPY_TEST_REDIS_URL (skipped with
 * a message on a laptop without it, failing in CI, like postgres.ts); `startPrivateRedis` runs a
 * redis-server of the test's own on a free port, for tests that stop and restart it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { describe, it, vi } from "vitest";

export function describeWithRedis(name: string, body: (url: string) => void): void {
  const url = process.env.FLOOPY_TEST_REDIS_URL;
  if (url === undefined || url === "") {
    if (process.env.CI === "true") {
      describe(name, () => {
        it("needs Redis", () => {
          throw new Error("FLOOPY_TEST_REDIS_URL is required in CI (e.g. redis://127.0.0.1:6379)");
        });
      });
      return;
    }
    console.warn(
      `${name}: FLOOPY_TEST_REDIS_URL is not set; skipping (e.g. FLOOPY_TEST_REDIS_URL=redis://127.0.0.1:6379)`,
    );
    describe.skip(`${name} (set FLOOPY_TEST_REDIS_URL to run)`, () => {
      it("needs Redis", () => {});
    });
    return;
  }
  describe(name, () => body(url));
}

/** A key prefix no other test run shares, so suites on one Redis never count each other's charges. */
export function uniquePrefix(): string {
  return `floopy-test:${randomBytes(6).toString("hex")}:`;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills the server (as a crash would); `start` brings it back on the same port, empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    await vi.waitFor(
      async () => {
        const probe = new Redis({
          port,
          host: "127.0.0.1",
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        probe.on("error", () => {});
        try {
          await probe.connect();
          await probe.ping();
        } finally {
          probe.disconnect();
        }
      },
      { timeout: 10_000, interval: 50 },
    );
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
