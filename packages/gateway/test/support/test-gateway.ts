/**
 * Starts a real gateway on a real port (embedded SQLite in a temp dir) in front of testkit fakes,
 * for end-to-end tests that call it with the official clients.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { type Logger, pino } from "pino";
import { vi } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import { type Gateway, startGateway } from "../../src/gateway.js";

export const TEST_KEY = "fp_test_0123456789abcdefghijklmnop";
export const PROVIDER_KEY = "sk-canary-provider-secret-4f9d2a7c1e";

export interface TestGateway {
  gateway: Gateway;
  fake: FakeOpenAI;
  /** A second fake, enabled as provider `backup` (openai-compatible). */
  backup: FakeOpenAI;
  client: OpenAI;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  /** The config file; a function gets the backup fake's URL to point providers at. */
  configText?: string | ((backupUrl: string) => string);
  /** The gateway's logger (silent by default, or at FLOOPY_TEST_LOG's level). */
  logger?: Logger;
  /** The gateway's wall clock (cache and firewall TTLs). */
  clock?: () => number;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const fake = await startFakeOpenAI({ apiKey: PROVIDER_KEY });
  const backup = await startFakeOpenAI({ apiKey: "sk-backup-secret-1234567890" });
  const dataDir = mkdtempSync(join(tmpdir(), "floopy-test-"));
  const configPath = join(dataDir, "floopy.yaml");
  const configText =
    typeof options.configText === "function"
      ? options.configText(backup.url)
      : (options.configText ??
        [
          "providers:",
          `  backup: { type: openai-compatible, base_url: "${backup.url}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
          // Nothing listens on port 9 (discard): connections are refused.
          '  dead: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1", models: [dead-model] }',
          "",
        ].join("\n"));
  writeFileSync(configPath, configText);
  const env: Record<string, string> = {
    FLOOPY_PORT: "0",
    FLOOPY_DATA_DIR: dataDir,
    FLOOPY_BOOTSTRAP_KEY: TEST_KEY,
    FLOOPY_CONFIG: configPath,
    FLOOPY_RECORD_FLUSH_INTERVAL_MS: "50",
    FLOOPY_CONTROL_POLL_MS: "100",
    OPENAI_API_KEY: PROVIDER_KEY,
    OPENAI_BASE_URL: fake.url,
    ...options.env,
  };
  const logger = options.logger ?? pino({ level: process.env.FLOOPY_TEST_LOG ?? "silent" });
  const gateway = await startGateway({
    config: loadConfig(env),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const client = new OpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: TEST_KEY,
    maxRetries: 0,
    timeout: 10_000,
  });
  return {
    gateway,
    fake,
    backup,
    client,
    dataDir,
    async close() {
      await gateway.close();
      await Promise.all([fake.close(), backup.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the record queue has written everything, then returns the stored record. */
export async function storedRecord(test: TestGateway, requestId: string) {
  return vi.waitFor(
    async () => {
      await test.gateway.services.records.flush();
      const record = await test.gateway.stores.events.getRequestLog(requestId);
      if (!record) throw new Error(`no request record ${requestId}`);
      return record;
    },
    { timeout: 5_000, interval: 20 },
  );
}
