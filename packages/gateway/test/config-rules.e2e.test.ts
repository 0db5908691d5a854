/**
 * The config file's routing rules across restarts on one embedded store: the file owns its rules
 * (a changed rule is updated, a removed one deleted, an admin-made rule of the same name taken
 * over) and its keys (a removed one is revoked), admin-made rules survive restarts, and a start with a rule or key that cannot work fails
 * with an error naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.js";
import { hashApiKey } from "../src/control/api-keys.js";
import { type Gateway, startGateway } from "../src/gateway.js";

const KEY = "fp_config_rules_0123456789abcdef";
const REMOVED_KEY = "fp_removed_later_0123456789abcdef";
let fake: FakeOpenAI;
let dataDir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-config-rules-secret-12345" });
  dataDir = mkdtempSync(join(tmpdir(), "floopy-config-rules-"));
});
afterAll(async () => {
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(configLines: string[]): Promise<Gateway> {
  const configPath = join(dataDir, "floopy.yaml");
  writeFileSync(configPath, [...configLines, ""].join("\n"));
  return startGateway({
    config: loadConfig({
      FLOOPY_PORT: "0",
      FLOOPY_DATA_DIR: dataDir,
      FLOOPY_CONFIG: configPath,
      FLOOPY_BOOTSTRAP_KEY: KEY,
      OPENAI_API_KEY: "sk-config-rules-secret-12345",
      OPENAI_BASE_URL: fake.url,
    }),
    logger: pino({ level: "silent" }),
  });
}

const rulesOf = async (gateway: Gateway) =>
  Object.fromEntries(
    (await gateway.stores.control.listRoutingRules()).map((rule) => [
      rule.name,
      { source: rule.source, strategy: rule.definition.strategy },
    ]),
  );

it("keeps the store in step with the file across restarts, and admin rules beside it", async () => {
  const first = await start([
    "routing_rules:",
    "  kept: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
    "  dropped: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
    "keys:",
    `  - { name: removed-later, hash: "${hashApiKey(REMOVED_KEY)}" }`,
  ]);
  try {
    for (const name of ["by-admin", "taken-over"]) {
      await first.stores.control.saveRoutingRule({
        name,
        definition: { strategy: "weighted", targets: [{ model: "openai/gpt-4o-mini" }] },
        source: "admin",
        mode: "create",
        replaceable: [],
      });
    }
    expect(await rulesOf(first)).toEqual({
      kept: { source: "config", strategy: "fallback" },
      dropped: { source: "config", strategy: "fallback" },
      "by-admin": { source: "admin", strategy: "weighted" },
      "taken-over": { source: "admin", strategy: "weighted" },
    });
  } finally {
    await first.close();
  }

  const changedFile = [
    "routing_rules:",
    "  kept: { strategy: round_robin, targets: [{ model: openai/gpt-4o-mini }] }",
    "  taken-over: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
    "keys:",
    // A config key may name a rule made through the admin API.
    `  - { name: admin-ruled, hash: "${hashApiKey("fp_admin_ruled_0123456789abcdef")}", routing_rule: by-admin }`,
  ];
  const second = await start(changedFile);
  try {
    expect(await rulesOf(second)).toEqual({
      kept: { source: "config", strategy: "round_robin" },
      "by-admin": { source: "admin", strategy: "weighted" },
      "taken-over": { source: "config", strategy: "fallback" },
    });
    expect(second.services.snapshot.rule("kept")?.strategy).toBe("round_robin");
    expect(second.services.snapshot.rule("dropped")).toBeUndefined();
    // The file owns its keys too: one it no longer lists is revoked.
    const removed = await second.stores.control.findApiKeyByHash(hashApiKey(REMOVED_KEY));
    expect(removed?.revokedAt).toBeInstanceOf(Date);
    // A restart with the same file writes nothing: other instances do not reload for it.
    const version = await second.stores.control.controlVersion();
    await second.close();
    const third = await start(changedFile);
    expect(await third.stores.control.controlVersion()).toBe(version);
    await third.close();
  } finally {
    await second.close().catch(() => undefined);
  }
});

it("refuses to start with a rule target no provider serves, naming the field", async () => {
  await expect(
    start([
      "routing_rules:",
      "  broken: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }, { model: nowhere/none }] }",
    ]),
  ).rejects.toThrow(/routing_rules\.broken\.targets\.1\.model: .*nowhere\/none/);
});

it("refuses to start with a key whose default rule exists nowhere, naming the field", async () => {
  await expect(
    start([
      "keys:",
      `  - { name: lost, hash: "${hashApiKey("fp_lost_rule_0123456789abcdef")}", routing_rule: missing-rule }`,
    ]),
  ).rejects.toThrow(/keys\.0\.routing_rule: there is no routing rule named "missing-rule"/);
});
