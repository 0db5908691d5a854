/**
 * What an operator reads: the gateway started as users start it (`npm start`), called with the
 * official OpenAI client in front of testkit fakes, and its stdout read back. Every field of the
 * access line is checked by value, the warn line of a failed upstream attempt says what happens
 * next, and no key or credential appears anywhere in the output. `FLOOPY_LOG_FORMAT=pretty` gives
 * human lines; an unknown format stops the start with one line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hashApiKey } from "../src/control/api-keys.js";
import { runGatewayToExit, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

const KEY = "fp_access_log_0123456789abcdefghij";
const WRONG_KEY = "fp_wrong_key_9876543210zyxwvutsrq";
const PROVIDER_KEY = "sk-access-log-provider-secret-7c1e4f9d";
const BACKUP_KEY = "sk-access-log-backup-secret-2a7c9e1b";
const USAGE = { promptTokens: 12, completionTokens: 34 };
// USD per million tokens, from the config file below, so the expected cost does not follow the shipped table.
const PRICE = { input: 1.5, output: 2.5 };
const BACKUP_PRICE = { input: 3, output: 4 };

let fake: FakeOpenAI;
let backup: FakeOpenAI;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: PROVIDER_KEY });
  backup = await startFakeOpenAI({ apiKey: BACKUP_KEY });
  for (const server of [fake, backup]) server.setReply(() => ({ content: "logged", usage: USAGE }));
  dataDir = mkdtempSync(join(tmpdir(), "floopy-access-log-"));
  const configPath = join(dataDir, "floopy.yaml");
  writeFileSync(
    configPath,
    [
      "providers:",
      `  backup: { type: openai-compatible, base_url: "${backup.url}", api_key: ${BACKUP_KEY}, models: [backup-model] }`,
      "models:",
      `  openai/gpt-4o-mini: { pricing: { input: ${PRICE.input}, output: ${PRICE.output} } }`,
      `  backup/backup-model: { pricing: { input: ${BACKUP_PRICE.input}, output: ${BACKUP_PRICE.output} } }`,
      "routing_rules:",
      "  retrying:",
      "    strategy: fallback",
      "    targets: [{ model: openai/gpt-4o-mini }, { model: backup/backup-model }]",
      `    retry: { attempts: 1, on: ["5xx"], backoff_ms: 5 }`,
      "keys:",
      `  - { name: prod-app, hash: "${hashApiKey(KEY)}" }`,
      "",
    ].join("\n"),
  );
  env = {
    FLOOPY_DATA_DIR: dataDir,
    FLOOPY_CONFIG: configPath,
    OPENAI_API_KEY: PROVIDER_KEY,
    OPENAI_BASE_URL: fake.url,
  };
});

afterAll(async () => {
  await Promise.all([fake?.close(), backup?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

type LogLine = Record<string, unknown>;

function jsonLines(output: string): LogLine[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The line with this message and request id, once the gateway has written it. */
function lineOf(gateway: SpawnedGateway, msg: string, requestId: string): Promise<LogLine> {
  return vi.waitFor(
    () => {
      const found = jsonLines(gateway.output()).find(
        (line) => line.msg === msg && line.requestId === requestId,
      );
      if (!found) throw new Error(`no '${msg}' line for ${requestId} yet:\n${gateway.output()}`);
      return found;
    },
    { timeout: 10_000, interval: 20 },
  );
}

function costOf(price: { input: number; output: number }): number {
  return (USAGE.promptTokens * price.input + USAGE.completionTokens * price.output) / 1_000_000;
}

const messages = [{ role: "user" as const, content: "log me" }];

describe("the JSON log (stdout is not a terminal)", () => {
  let gateway: SpawnedGateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await spawnGateway(env);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 10_000 });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it("writes one access line for a JSON request, every field by value", async () => {
    const started = performance.now();
    const { response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .withResponse();
    const elapsed = performance.now() - started;
    const id = response.headers.get("floopy-request-id") ?? "";
    const line = await lineOf(gateway, "request", id);
    expect(line).toMatchObject({
      level: 30,
      requestId: id,
      method: "POST",
      path: "/v1/chat/completions",
      status: 200,
      keyName: "prod-app",
      modelRequested: "gpt-4o-mini",
      modelServed: "gpt-4o-mini",
      provider: "openai",
      stream: false,
      ttftMs: null,
      inputTokens: USAGE.promptTokens,
      outputTokens: USAGE.completionTokens,
      usageSource: "upstream",
      fallbackUsed: false,
      attempts: 1,
      errorCode: null,
    });
    expect(line.keyId).toMatch(/^key_/);
    expect(line.costUsd).toBeCloseTo(costOf(PRICE), 12);
    expect(line.latencyMs).toBeGreaterThan(0);
    expect(line.latencyMs).toBeLessThanOrEqual(elapsed);
    expect(jsonLines(gateway.output()).filter((each) => each.requestId === id)).toHaveLength(1);
  });

  it("writes the access line of a stream once it has ended, with its TTFT", async () => {
    const started = performance.now();
    const { data: stream, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    const elapsed = performance.now() - started;
    expect(text).toBe("logged");
    const id = response.headers.get("floopy-request-id") ?? "";
    const line = await lineOf(gateway, "request", id);
    expect(line).toMatchObject({
      requestId: id,
      method: "POST",
      path: "/v1/chat/completions",
      status: 200,
      keyName: "prod-app",
      modelRequested: "gpt-4o-mini",
      modelServed: "gpt-4o-mini",
      provider: "openai",
      stream: true,
      inputTokens: USAGE.promptTokens,
      outputTokens: USAGE.completionTokens,
      usageSource: "upstream",
      fallbackUsed: false,
      attempts: 1,
      errorCode: null,
    });
    expect(line.costUsd).toBeCloseTo(costOf(PRICE), 12);
    expect(line.ttftMs).toBeGreaterThan(0);
    expect(line.ttftMs).toBeLessThanOrEqual(line.latencyMs as number);
    expect(line.latencyMs).toBeLessThanOrEqual(elapsed);
  });

  it("warns of the primary's 500 and that it falls back; the access line says the fallback served", async () => {
    fake.pushFault({ kind: "status", status: 500, message: "primary down" });
    const { response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages }, { headers: { "floopy-fallback": "backup/backup-model" } })
      .withResponse();
    const id = response.headers.get("floopy-request-id") ?? "";
    const warning = await lineOf(gateway, "upstream attempt failed", id);
    expect(warning).toMatchObject({
      level: 40,
      requestId: id,
      provider: "openai",
      model: "gpt-4o-mini",
      errorClass: "http_5xx",
      status: 500,
      attempt: 1,
      next: "fallback",
      fallbackTo: "backup/backup-model",
    });
    const line = await lineOf(gateway, "request", id);
    expect(line).toMatchObject({
      status: 200,
      modelRequested: "gpt-4o-mini",
      modelServed: "backup-model",
      provider: "backup",
      fallbackUsed: true,
      attempts: 2,
      errorCode: null,
    });
    expect(line.costUsd).toBeCloseTo(costOf(BACKUP_PRICE), 12);
  });

  it("warns of a retry, then of the fallback after the retry failed too", async () => {
    fake.pushFault({ kind: "status", status: 503 }, { kind: "status", status: 502 });
    const { response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages }, { headers: { "floopy-routing-rule": "retrying" } })
      .withResponse();
    const id = response.headers.get("floopy-request-id") ?? "";
    const line = await lineOf(gateway, "request", id);
    const warnings = jsonLines(gateway.output()).filter(
      (each) => each.msg === "upstream attempt failed" && each.requestId === id,
    );
    expect(warnings).toEqual([
      expect.objectContaining({ provider: "openai", status: 503, attempt: 1, next: "retry", retryInMs: 5 }),
      expect.objectContaining({
        provider: "openai",
        status: 502,
        attempt: 2,
        next: "fallback",
        fallbackTo: "backup/backup-model",
      }),
    ]);
    expect(line).toMatchObject({ status: 200, provider: "backup", fallbackUsed: true, attempts: 3 });
  });

  it("warns that it gives up when the provider refuses, even when its error quotes the key", async () => {
    fake.pushFault({ kind: "echo-credentials", status: 401 });
    const error = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const id = (error as InstanceType<typeof OpenAI.APIError>).headers?.get("floopy-request-id") ?? "";
    const warning = await lineOf(gateway, "upstream attempt failed", id);
    expect(warning).toMatchObject({
      provider: "openai",
      errorClass: "http_4xx",
      status: 401,
      next: "give_up",
    });
    // The provider refused the gateway's key: the caller gets 502 PROVIDER_AUTH_FAILED, not a 401.
    const line = await lineOf(gateway, "request", id);
    expect(line).toMatchObject({
      status: 502,
      provider: "openai",
      attempts: 1,
      fallbackUsed: false,
      errorCode: "PROVIDER_AUTH_FAILED",
    });
  });

  it("logs refused callers and query-string keys without the key", async () => {
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${WRONG_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages }),
    });
    expect(refused.status).toBe(401);
    const refusedLine = await lineOf(gateway, "request", refused.headers.get("floopy-request-id") ?? "");
    expect(refusedLine).toMatchObject({
      status: 401,
      keyName: null,
      keyId: null,
      errorCode: "INVALID_API_KEY",
    });

    const gemini = await fetch(`${gateway.url}/v1beta/models/gpt-4o-mini:generateContent?key=${KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "log me" }] }] }),
    });
    expect(gemini.status).toBe(200);
    const geminiLine = await lineOf(gateway, "request", gemini.headers.get("floopy-request-id") ?? "");
    expect(geminiLine).toMatchObject({
      path: "/v1beta/models/gpt-4o-mini:generateContent",
      keyName: "prod-app",
      provider: "openai",
    });
  });

  it("never writes a key or an Authorization value, anywhere in its output", async () => {
    await vi.waitFor(() => {
      // Every request above has its access line by now.
      if (jsonLines(gateway.output()).filter((line) => line.msg === "request").length < 7)
        throw new Error("not all access lines yet");
    });
    const output = gateway.output();
    for (const secret of [KEY, WRONG_KEY, PROVIDER_KEY, BACKUP_KEY, "Bearer "]) {
      expect(output).not.toContain(secret);
    }
    // Not even a recognisable piece of the provider's key (the 401 above quoted it back).
    expect(output).not.toContain(PROVIDER_KEY.slice(0, 20));
  });
});

describe("FLOOPY_LOG_FORMAT", () => {
  it("pretty: human lines, the access line as one compact sentence", async () => {
    const gateway = await startPretty({ ...env, FLOOPY_LOG_FORMAT: "pretty" });
    try {
      const client = new OpenAI({
        baseURL: `${gateway.url}/v1`,
        apiKey: KEY,
        maxRetries: 0,
        timeout: 10_000,
      });
      const { response } = await client.chat.completions
        .create({ model: "gpt-4o-mini", messages })
        .withResponse();
      const id = response.headers.get("floopy-request-id") ?? "";
      const line = await vi.waitFor(
        () => {
          const found = gateway
            .output()
            .split("\n")
            .find((each) => each.endsWith(`req=${id}`));
          if (!found) throw new Error(`no access line yet:\n${gateway.output()}`);
          return found;
        },
        { timeout: 10_000, interval: 20 },
      );
      const cost = costOf(PRICE).toFixed(6);
      expect(line).toMatch(
        new RegExp(
          `^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: 200 POST /v1/chat/completions gpt-4o-mini openai \\d+ms 12/34 tok \\$${cost.replace(".", "\\.")} key=prod-app req=${id}$`,
        ),
      );
      const lines = gateway
        .output()
        .split("\n")
        .filter((each) => each.trim() !== "");
      for (const each of lines) expect(each.startsWith("{"), each).toBe(false);
      expect(gateway.output()).not.toContain(KEY);
      expect(gateway.output()).not.toContain(PROVIDER_KEY);
    } finally {
      await gateway.stop();
    }
  }, 120_000);

  it("refuses an unknown format at start, on one line", async () => {
    const { code, output } = await runGatewayToExit({ ...env, FLOOPY_LOG_FORMAT: "fancy" });
    expect(code, output).not.toBe(0);
    expect(output.trim()).toBe("floopy: FLOOPY_LOG_FORMAT: 'fancy' is not a log format; use json or pretty");
  }, 120_000);

  it("refuses an unknown level at start, on one line naming the levels", async () => {
    const { code, output } = await runGatewayToExit({ ...env, FLOOPY_LOG_LEVEL: "verbose" });
    expect(code, output).not.toBe(0);
    expect(output.trim()).toBe(
      "floopy: FLOOPY_LOG_LEVEL: 'verbose' is not a log level; use one of trace, debug, info, warn, error, fatal, silent",
    );
  }, 120_000);
});

/**
 * `npm start` as spawn-gateway.ts runs it, but the listening line is a pretty one, which its JSON
 * pattern does not read.
 */
async function startPretty(
  childEnv: Record<string, string>,
): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn("npm", ["start", "--silent"], {
    cwd: new URL("../../../", import.meta.url).pathname,
    env: {
      ...process.env,
      FLOOPY_PORT: "0",
      FLOOPY_HOST: "127.0.0.1",
      FLOOPY_LOG_LEVEL: "info",
      ...childEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await closed;
  };
  try {
    const url = await vi.waitFor(
      () => {
        const listening = /INFO: floopy gateway listening \{"url":"(http:\/\/[^"]+)"/.exec(output);
        if (!listening?.[1]) throw new Error(`not listening yet: ${output}`);
        return listening[1];
      },
      { timeout: 60_000, interval: 50 },
    );
    return { url, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
