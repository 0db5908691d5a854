/**
 * A provider that refuses the gateway's own provider key must not look, to the caller, like a bad
 * Floopy key: each official SDK gets PROVIDER_AUTH_FAILED (502, its 5xx class, never
 * AuthenticationError), the operator a warn line naming the provider (never the key), and
 * another target still serves. The fakes check keys as their vendors do and answer 401 in their
 * vendor's shape (Google: 400 "API key not valid"); the gateway holds the wrong keys.
 */
import Anthropic from "@anthropic-ai/sdk";
import { type FakeAnthropic, type FakeGemini, startFakeAnthropic, startFakeGemini } from "@floopy/testkit";
import { ApiError, GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CapturedLogger, capturedLogger, WARN } from "./support/captured-logger.js";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const WRONG_OPENAI_KEY = "sk-wrong-openai-key-5b1f9c3e7a";
const WRONG_ANTHROPIC_KEY = "sk-ant-wrong-key-0c4d8e2a6f";
const WRONG_GEMINI_KEY = "AIza-wrong-key-9e7a3c1b5d";

let test: TestGateway;
let anthropicFake: FakeAnthropic;
let geminiFake: FakeGemini;
let log: CapturedLogger;

beforeAll(async () => {
  anthropicFake = await startFakeAnthropic({ apiKey: "sk-ant-right-key-1111" });
  geminiFake = await startFakeGemini({ apiKey: "AIza-right-key-2222" });
  log = capturedLogger();
  test = await startTestGateway({
    logger: log.logger,
    env: {
      // The OpenAI fake wants the test gateway's usual key; the gateway now holds another one.
      OPENAI_API_KEY: WRONG_OPENAI_KEY,
      ANTHROPIC_API_KEY: WRONG_ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropicFake.url,
      GEMINI_API_KEY: WRONG_GEMINI_KEY,
      GEMINI_BASE_URL: geminiFake.url,
    },
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
        "routing_rules:",
        "  stubborn:",
        "    strategy: fallback",
        "    targets: [{ model: openai/gpt-4o-mini }]",
        "    retry: { attempts: 2, on: [401, 403, 5xx], backoff_ms: 10 }",
        "  rescued:",
        "    strategy: fallback",
        "    targets: [{ model: openai/gpt-4o-mini }, { model: backup/backup-model }]",
        "",
      ].join("\n"),
  });
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
  anthropicFake.reset();
  geminiFake.reset();
  log.lines.length = 0;
});
afterAll(async () => {
  await test.close();
  await Promise.all([anthropicFake.close(), geminiFake.close()]);
});

const chat = (headers: Record<string, string> = {}) =>
  test.client.chat.completions.create(
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
    { headers },
  );

function authWarnings() {
  return log.lines.filter(
    (line) => line.level === WARN && line.msg.includes("rejected the gateway's credentials"),
  );
}

describe("a provider that refuses the gateway's key", () => {
  it("is a 502 PROVIDER_AUTH_FAILED to an OpenAI chat caller, not an AuthenticationError", async () => {
    const error = await chat().catch((caught: unknown) => caught);
    // The fake did answer 401 invalid_api_key: the refusal is real, not the gateway's guess.
    expect(test.fake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).not.toBeInstanceOf(OpenAI.AuthenticationError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.code).toBe("PROVIDER_AUTH_FAILED");
    expect(apiError.type).toBe("server_error");
    expect(apiError.message).toContain("The provider 'openai' rejected the gateway's credentials (HTTP 401)");
    expect(apiError.message).toContain("OPENAI_API_KEY");
    expect(apiError.headers?.get("x-should-retry")).toBe("false");
    // Neither the key nor OpenAI's masked form of it ("sk-wro…") reaches the caller.
    expect(JSON.stringify(apiError.error)).not.toContain("sk-wro");
  });

  it("logs one warn line naming the provider and the status, never the key", async () => {
    await chat().catch(() => undefined);
    const warnings = authWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ provider: "openai", status: 401, setting: "OPENAI_API_KEY" });
    expect(warnings[0]?.upstreamCode).toBe("invalid_api_key");
    expect(log.text()).not.toContain(WRONG_OPENAI_KEY);
    expect(log.text()).not.toContain("sk-wro");
  });

  it("is the same error on the Responses route", async () => {
    const error = await test.client.responses
      .create({ model: "gpt-4o-mini", input: "hi" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).not.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("PROVIDER_AUTH_FAILED");
  });

  it("is an Anthropic api_error (502) to an Anthropic caller", async () => {
    const client = new Anthropic({ baseURL: test.gateway.url, apiKey: TEST_KEY, maxRetries: 0 });
    const error = await client.messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(anthropicFake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).not.toBeInstanceOf(Anthropic.AuthenticationError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.error).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(apiError.message).toContain("rejected the gateway's credentials (HTTP 401)");
    expect(apiError.message).toContain("(PROVIDER_AUTH_FAILED)");
    expect(apiError.message).toContain("ANTHROPIC_API_KEY");
    expect(authWarnings()[0]).toMatchObject({ provider: "anthropic", status: 401 });
    expect(log.text()).not.toContain(WRONG_ANTHROPIC_KEY);
  });

  it("is a 502 UNAVAILABLE to a Gemini caller", async () => {
    const client = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: test.gateway.url } });
    const error = await client.models
      .generateContent({ model: "gemini-2.5-flash", contents: "hi" })
      .catch((caught: unknown) => caught);
    expect(geminiFake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect((error as ApiError).message).toContain("UNAVAILABLE");
    expect((error as ApiError).message).toContain("(PROVIDER_AUTH_FAILED)");
    expect((error as ApiError).message).toContain("GEMINI_API_KEY");
    // Google answers an unknown key with 400 INVALID_ARGUMENT "API key not valid", not 401.
    expect(authWarnings()[0]).toMatchObject({ provider: "google", status: 400 });
    expect(log.text()).not.toContain(WRONG_GEMINI_KEY);
  });

  it("treats a 403 the same way", async () => {
    test.fake.setFault(() => ({ kind: "status", status: 403 }));
    const error = await chat().catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("(HTTP 403)");
    expect(authWarnings()[0]).toMatchObject({ provider: "openai", status: 403 });
  });

  it("is not retried on the same provider, even by a rule whose retry policy lists 401", async () => {
    const error = await chat({ "floopy-routing-rule": "stubborn" }).catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("PROVIDER_AUTH_FAILED");
    expect(test.fake.requests).toHaveLength(1);
  });

  it("fails over to the next target, which answers", async () => {
    const { data, response } = await test.client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        { headers: { "floopy-routing-rule": "rescued" } },
      )
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(test.fake.requests).toHaveLength(1);
    expect(test.backup.requests).toHaveLength(1);
    expect(authWarnings()).toHaveLength(1);
  });

  it("fails over along floopy-fallback too", async () => {
    const { response } = await test.client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        { headers: { "floopy-fallback": "backup/backup-model" } },
      )
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(test.fake.requests).toHaveLength(1);
  });
});
