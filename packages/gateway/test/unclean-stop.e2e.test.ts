/**
 * A crash's loss is visible: a gateway killed with SIGKILL leaves its marker behind, and the next
 * start says (a warning line, and /metrics) from when request records may be missing. A clean stop
 * (SIGTERM) clears the marker, so the start after it says nothing. Real `npm start` processes, on
 * the embedded SQLite file and on PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithPostgres } from "./support/postgres.js";
import { spawnGateway } from "./support/spawn-gateway.js";

const KEY = "fp_unclean_stop_0123456789abcdef";
const WARNING = "a gateway process stopped without a clean shutdown";
let fake: FakeOpenAI;
let dataDir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-unclean-stop-provider-key" });
  dataDir = mkdtempSync(join(tmpdir(), "floopy-unclean-"));
});
afterAll(async () => {
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
};

async function killThenRestart(env: Record<string, string>): Promise<void> {
  const gatewayEnv = {
    ...env,
    FLOOPY_BOOTSTRAP_KEY: KEY,
    OPENAI_API_KEY: "sk-unclean-stop-provider-key",
    OPENAI_BASE_URL: fake.url,
  };
  const first = await spawnGateway(gatewayEnv);
  const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: KEY, maxRetries: 0 });
  await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
  const killedAt = Date.now();
  await first.stop("SIGKILL");

  const second = await spawnGateway(gatewayEnv);
  try {
    const warning = second
      .output()
      .split("\n")
      .find((line) => line.includes(WARNING));
    expect(warning, second.output()).toBeDefined();
    const logged = JSON.parse(warning ?? "{}") as { level: number; lastFlushAt: string };
    expect(logged.level).toBe(40);
    expect(Date.parse(logged.lastFlushAt)).toBeLessThanOrEqual(killedAt);
    expect(await metric(second.url, "floopy_unclean_stops_total")).toBe(1);
    const since = await metric(second.url, "floopy_records_missing_since_seconds");
    expect(since * 1000).toBeLessThanOrEqual(killedAt);
    expect(since * 1000).toBeGreaterThan(killedAt - 60_000);
  } finally {
    await second.stop("SIGTERM");
  }
  expect(second.output()).toContain("floopy gateway stopped");

  const third = await spawnGateway(gatewayEnv);
  try {
    expect(third.output()).not.toContain(WARNING);
    expect(await metric(third.url, "floopy_unclean_stops_total")).toBe(0);
  } finally {
    await third.stop("SIGTERM");
  }
}

describe("an unclean stop on the embedded store", () => {
  it("is reported by the next start; a clean stop is not", async () => {
    await killThenRestart({ FLOOPY_DATA_DIR: dataDir });
  }, 120_000);
});

describeWithPostgres("an unclean stop on PostgreSQL", (postgres) => {
  it("is reported by the next start; a clean stop is not", async () => {
    await killThenRestart({
      FLOOPY_DATA_DIR: dataDir,
      FLOOPY_DATABASE_URL: await postgres.freshSchemaUrl(),
      FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
    });
  }, 120_000);
});
