/**
 * Mistakes an operator or a caller makes on day one, and what they are told: a provider base URL
 * pointing back at the gateway (refused at start, and per request through `floopy-hop` when only
 * the request shows it), no provider enabled (one warn line saying what to set), no misleading
 * master-key warning, and a repeated single-valued `floopy-*` header named as such.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.js";
import { startGateway } from "../src/gateway.js";
import { capturedLogger, WARN } from "./support/captured-logger.js";
import { runGatewayToExit } from "./support/spawn-gateway.js";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "floopy-mistakes-"));
  scratch.push(dir);
  return dir;
}

/** A port nothing listens on right now: the start-time check needs to know the port in advance. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function baseEnv(extra: Record<string, string>): Record<string, string> {
  return {
    FLOOPY_PORT: "0",
    FLOOPY_DATA_DIR: dataDir(),
    FLOOPY_BOOTSTRAP_KEY: TEST_KEY,
    FLOOPY_RECORD_FLUSH_INTERVAL_MS: "50",
    ...extra,
  };
}

describe("a provider base URL that points back at the gateway", () => {
  it("is refused at start, naming the setting, and the port is let go", async () => {
    for (const host of ["127.0.0.1", "localhost", "0.0.0.0", "[::1]"]) {
      const port = await freePort();
      const env = baseEnv({
        FLOOPY_PORT: String(port),
        OPENAI_API_KEY: "sk-test-loop",
        OPENAI_BASE_URL: `http://${host}:${port}/v1`,
      });
      const log = capturedLogger();
      await expect(startGateway({ config: loadConfig(env), logger: log.logger }), host).rejects.toThrow(
        `OPENAI_BASE_URL: http://${host}:${port}/v1 points back at this gateway (listening on port ${port})`,
      );
      // Refused before serving: nothing was announced, and the port is free again.
      expect(log.text()).not.toContain("floopy gateway listening");
      const again = createServer();
      await new Promise<void>((resolve, reject) => {
        again.once("error", reject);
        again.listen(port, "127.0.0.1", resolve);
      });
      await new Promise<void>((resolve) => again.close(() => resolve()));
    }
  });

  it("names the config file's setting for a configured provider", async () => {
    const port = await freePort();
    const dir = dataDir();
    const configPath = join(dir, "floopy.yaml");
    writeFileSync(
      configPath,
      `providers:\n  local: { type: openai-compatible, base_url: "http://localhost:${port}/v1", models: [m] }\n`,
    );
    const env = baseEnv({ FLOOPY_PORT: String(port), FLOOPY_DATA_DIR: dir, FLOOPY_CONFIG: configPath });
    await expect(startGateway({ config: loadConfig(env), logger: capturedLogger().logger })).rejects.toThrow(
      /^providers\.local\.base_url: http:\/\/localhost:\d+\/v1 points back at this gateway/,
    );
  });

  it("makes `floopy serve` exit non-zero with one line, no stack trace", async () => {
    const port = await freePort();
    const result = await runGatewayToExit(
      baseEnv({
        FLOOPY_PORT: String(port),
        OPENAI_API_KEY: "sk-test-loop",
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
      }),
    );
    expect(result.code, result.output).not.toBe(0);
    const lines = result.output.split("\n").filter((line) => line.startsWith("floopy: "));
    expect(lines).toEqual([
      `floopy: OPENAI_BASE_URL: http://127.0.0.1:${port}/v1 points back at this gateway (listening on port ${port}); set it to the provider's own URL`,
    ]);
    expect(result.output).not.toMatch(/\n\s+at /);
  }, 120_000);
});

describe("a request loop the start cannot see", () => {
  // A forwarding proxy in front of the gateway, as a reverse proxy or a DNS name for this machine
  // would be: the provider's base URL names the proxy, so the start-time check cannot tell.
  let target = "";
  let forwarded = 0;
  const proxy = createHttpServer((inbound, outbound) => {
    forwarded++;
    const chunks: Buffer[] = [];
    inbound.on("data", (chunk: Buffer) => chunks.push(chunk));
    inbound.on("end", () => {
      const headers: IncomingHttpHeaders = { ...inbound.headers };
      delete headers.host;
      const upstream = httpRequest(
        `${target}${inbound.url}`,
        { method: inbound.method, headers },
        (answer) => {
          outbound.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outbound);
        },
      );
      upstream.end(Buffer.concat(chunks));
    });
  });
  let test: TestGateway;
  const log = capturedLogger();

  beforeAll(async () => {
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    test = await startTestGateway({
      logger: log.logger,
      // The worst case: the gateway's provider key is a valid Floopy key, so without the hop check
      // every looped request would pass authentication and loop again.
      env: { OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: `${proxyUrl}/v1` },
    });
    target = test.gateway.url;
  });
  afterEach(() => {
    forwarded = 0;
    log.lines.length = 0;
  });
  afterAll(async () => {
    await test.close();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it("is refused with 508 LOOP_DETECTED naming the setting, after one hop", async () => {
    const error = await test.client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(508);
    expect(apiError.code).toBe("LOOP_DETECTED");
    expect(apiError.message).toContain("OPENAI_BASE_URL points back at the gateway");
    expect(forwarded).toBe(1);
    const warning = log.lines.find((line) => line.level === WARN && line.msg.startsWith("request loop"));
    expect(warning).toMatchObject({ provider: "openai", setting: "OPENAI_BASE_URL" });
    expect(log.text()).not.toContain(`"${TEST_KEY}"`);
  });

  it("is refused before the key is checked", async () => {
    const response = await fetch(`${test.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer sk-not-a-floopy-key",
        "floopy-hop": `gw_elsewhere:other, ${test.gateway.services.instanceId}:openai`,
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(508);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("LOOP_DETECTED");
  });
});

describe("floopy-hop on upstream requests", () => {
  let test: TestGateway;
  beforeAll(async () => {
    test = await startTestGateway();
  });
  afterAll(async () => test.close());

  it("names this instance and the provider, after the hops the request came with", async () => {
    const own = `${test.gateway.services.instanceId}:openai`;
    await test.client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(test.fake.lastRequest()?.headers["floopy-hop"]).toBe(own);
    await test.client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
      { headers: { "floopy-hop": "gw_upstream_gateway:openai" } },
    );
    expect(test.fake.lastRequest()?.headers["floopy-hop"]).toBe(`gw_upstream_gateway:openai, ${own}`);
  });
});

describe("starting with no provider enabled", () => {
  it("serves and logs one warn line saying what to set, and one about the master key it generated", async () => {
    const log = capturedLogger();
    const gateway = await startGateway({ config: loadConfig(baseEnv({})), logger: log.logger });
    try {
      const warnings = log.lines.filter((line) => line.level >= WARN);
      // A fresh data dir: the master key was generated now, and it seals stored provider keys
      // (INTERFACE.md: generated "with a warning").
      expect(warnings.map((line) => line.msg)).toEqual([
        expect.stringMatching(/^generated a master key: it seals the credentials of providers/),
        "no provider is enabled: set OPENAI_API_KEY (or ANTHROPIC_API_KEY, GEMINI_API_KEY, …), add providers to the config file, or try `floopy serve --demo`",
      ]);
      const health = await fetch(`${gateway.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it("says nothing of the kind when a provider is enabled", async () => {
    const log = capturedLogger();
    const gateway = await startGateway({
      config: loadConfig(baseEnv({ OPENAI_API_KEY: "sk-test-enabled" })),
      logger: log.logger,
    });
    await gateway.close();
    expect(log.text()).not.toContain("no provider is enabled");
  });
});

describe("a single-valued floopy-* header sent more than once", () => {
  let test: TestGateway;
  beforeAll(async () => {
    test = await startTestGateway();
  });
  afterAll(async () => test.close());

  /** Node's client sends an array value as one header line per value. */
  function post(headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
    const url = new URL(`${test.gateway.url}/v1/chat/completions`);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}`, ...headers },
        },
        (answer) => {
          let body = "";
          answer.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          answer.on("end", () => resolve({ status: answer.statusCode ?? 0, body }));
        },
      );
      outgoing.on("error", reject);
      outgoing.end(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }));
    });
  }

  it("is a 400 that says the header was sent more than once", async () => {
    for (const name of [
      "floopy-session-id",
      "floopy-session-name",
      "floopy-user-id",
      "floopy-model-override",
      "floopy-routing-rule",
      "floopy-property-team",
    ]) {
      const answer = await post({ [name]: ["one", "two"] });
      expect(answer.status, name).toBe(400);
      const error = (JSON.parse(answer.body) as { error: { message: string; param: string } }).error;
      expect(error.message).toBe(
        `Invalid value for header '${name}': it was sent more than once; send it once, with one value.`,
      );
      expect(error.param).toBe(name);
    }
  });

  it("still takes one value that contains a comma, and a repeated floopy-fallback list", async () => {
    expect((await post({ "floopy-session-name": "Onboarding, day one" })).status).toBe(200);
    expect((await post({ "floopy-fallback": ["backup/backup-model", "backup/backup-model"] })).status).toBe(
      200,
    );
  });
});
