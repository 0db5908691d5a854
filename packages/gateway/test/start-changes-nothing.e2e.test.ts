/**
 * A start that fails changes nothing, and a start without a config file leaves config-owned keys
 * and rules alone: two real `npm start` processes on one data directory. The first runs with a
 * config file holding a key (bound to a rule) and the rule; a second start without a config file
 * must not revoke that key nor delete that rule, whether it dies on the port (EADDRINUSE) or runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hashApiKey } from "../src/control/api-keys.js";
import { floopy, runGatewayToExit, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

const CONFIG_KEY = "fp_config_owned_0123456789abcdef";
const ADMIN_KEY = "fp_admin_start_0123456789abcdefgh";
let fake: FakeOpenAI;
let dataDir: string;
let env: Record<string, string>;
let first: SpawnedGateway;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-start-test-provider-key" });
  dataDir = mkdtempSync(join(tmpdir(), "floopy-start-"));
  env = {
    FLOOPY_DATA_DIR: dataDir,
    FLOOPY_ADMIN_KEY: ADMIN_KEY,
    FLOOPY_CONTROL_POLL_MS: "100",
    OPENAI_API_KEY: "sk-start-test-provider-key",
    OPENAI_BASE_URL: fake.url,
  };
  const configPath = join(dataDir, "floopy.yaml");
  writeFileSync(
    configPath,
    [
      "routing_rules:",
      "  owned: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
      "keys:",
      `  - { name: app, hash: "${hashApiKey(CONFIG_KEY)}", routing_rule: owned }`,
      "",
    ].join("\n"),
  );
  first = await spawnGateway({ ...env, FLOOPY_CONFIG: configPath });
}, 120_000);
afterAll(async () => {
  await first?.stop();
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const ask = (apiKey: string) =>
  new OpenAI({ baseURL: `${first.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 }).chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "still here" }],
  });

/**
 * Waits until the first gateway has reloaded its snapshot from the store since now (a key created
 * now authenticates there), so a revocation written before now would have reached it too.
 */
async function firstHasReloaded(): Promise<void> {
  const created = await floopy(["keys", "create", "--name", `probe-${Date.now()}`, "--json"], env);
  const { key } = JSON.parse(created.stdout) as { key: string };
  await vi.waitFor(() => ask(key), { timeout: 20_000, interval: 100 });
}

async function expectConfigOwnedIntact(): Promise<void> {
  await firstHasReloaded();
  const answer = await ask(CONFIG_KEY);
  expect(answer.choices[0]?.message.content).toBe("Echo: still here");
  const rule = await fetch(`${first.url}/admin/routing_rules/owned`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(rule.status).toBe(200);
  expect(await rule.json()).toMatchObject({ id: "owned", source: "config" });
}

describe("a second start on the same data directory without a config file", () => {
  it("dies on a port in use with EADDRINUSE and changes nothing", async () => {
    await expectConfigOwnedIntact();
    const port = new URL(first.url).port;
    const second = await runGatewayToExit({ ...env, FLOOPY_PORT: port });
    expect(second.code, second.output).not.toBe(0);
    expect(second.output).toContain("EADDRINUSE");
    await expectConfigOwnedIntact();
    expect(second.output).toContain("nothing was changed");
  }, 120_000);

  it("runs on a free port and leaves config-owned keys and rules alone", async () => {
    const second = await spawnGateway(env);
    try {
      expect(second.output()).not.toContain("revoked config-file keys");
      await expectConfigOwnedIntact();
    } finally {
      await second.stop();
    }
    await expectConfigOwnedIntact();
  }, 120_000);
});
