import { readdirSync, readFileSync } from "node:fs";
import OpenAI, { type APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  PROVIDER_KEY,
  startTestGateway,
  storedRecord,
  TEST_KEY,
  type TestGateway,
} from "./support/test-gateway.js";

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    env: {
      FLOOPY_MAX_BODY_BYTES: String(64 * 1024),
      FLOOPY_UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "400",
      FLOOPY_UPSTREAM_IDLE_TIMEOUT_MS: "400",
      // These tests inject failures into the primary on purpose, one after another; a circuit
      // opening half-way would skip the primary the next test means to exercise.
      FLOOPY_BREAKER_MIN_REQUESTS: "1000",
    },
  });
});
afterAll(async () => {
  await test?.close();
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
});

const chat = (model = "gpt-4o-mini") => ({ model, messages: [{ role: "user" as const, content: "hi" }] });

async function raw(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const response = await fetch(`${test.gateway.url}${path}`, {
    method: "POST",
    ...init,
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...init.headers },
  });
  return { response, body: (await response.json()) as { error: Record<string, unknown> } };
}

describe("authentication", () => {
  it("refuses a missing or unknown key with an OpenAI-shaped 401", async () => {
    const anonymous = new OpenAI({
      baseURL: `${test.gateway.url}/v1`,
      apiKey: "fp_unknown_key_000000000000000",
      maxRetries: 0,
    });
    const error = await anonymous.chat.completions.create(chat()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).code).toBe("INVALID_API_KEY");
    expect((error as APIError).requestID).toMatch(/^[0-9a-f-]{36}$/);
    const { response, body } = await raw("/v1/chat/completions", {
      body: JSON.stringify(chat()),
      headers: { authorization: "" },
    });
    expect(response.status).toBe(401);
    expect(body.error.code).toBe("INVALID_API_KEY");
    expect(response.headers.get("floopy-request-id")).toBeTruthy();
    expect(response.headers.get("floopy-provider")).toBe("none");
    expect(response.headers.get("floopy-fallback-used")).toBe("false");
    expect(test.fake.requests).toHaveLength(0);
  });
});

describe("bad input", () => {
  it.each([
    ["malformed JSON", "{not json", undefined],
    ["a body that is not an object", "[1,2]", "body"],
    ["missing model", JSON.stringify({ messages: [{ role: "user", content: "x" }] }), "model"],
    ["missing messages", JSON.stringify({ model: "gpt-4o-mini" }), "messages"],
    ["empty messages", JSON.stringify({ model: "gpt-4o-mini", messages: [] }), "messages"],
    [
      "model of the wrong type",
      JSON.stringify({ model: 5, messages: [{ role: "user", content: "x" }] }),
      "model",
    ],
    ["temperature as a string", JSON.stringify({ ...chat(), temperature: "hot" }), "temperature"],
    ["stream as a string", JSON.stringify({ ...chat(), stream: "yes" }), "stream"],
    [
      "an unknown role",
      JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "robot", content: "x" }] }),
      "messages[0].role",
    ],
    [
      "content of the wrong type",
      JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: 7 }] }),
      "messages[0].content",
    ],
    [
      "nesting deeper than 64",
      JSON.stringify({ ...chat(), metadata: JSON.parse(`${"[".repeat(80)}${"]".repeat(80)}`) }),
      undefined,
    ],
  ])("answers 400 BAD_REQUEST for %s", async (_name, body, param) => {
    const { response, body: answer } = await raw("/v1/chat/completions", { body });
    expect(response.status).toBe(400);
    expect(answer.error).toMatchObject({ code: "BAD_REQUEST", type: "invalid_request_error" });
    expect(typeof answer.error.message).toBe("string");
    if (param !== undefined) expect(answer.error.param).toBe(param);
    expect(test.fake.requests).toHaveLength(0);
  });

  it("raises the openai client's BadRequestError with code and param", async () => {
    const error = await test.client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], max_tokens: -1 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).code).toBe("BAD_REQUEST");
    expect((error as APIError).param).toBe("max_tokens");
  });

  it("answers 404 for an unknown model and for a provider that is not enabled", async () => {
    const unknown = await test.client.chat.completions
      .create(chat("no-such-model-x"))
      .catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as APIError).message).toContain("no-such-model-x");
    const disabled = await test.client.chat.completions
      .create(chat("grok-4"))
      .catch((caught: unknown) => caught);
    expect(disabled).toBeInstanceOf(OpenAI.NotFoundError);
    expect((disabled as APIError).message).toContain("xai");
  });

  it("answers 413 for a body over the limit", async () => {
    const big = JSON.stringify({ ...chat(), messages: [{ role: "user", content: "x".repeat(100 * 1024) }] });
    const { response, body } = await raw("/v1/chat/completions", { body: big });
    expect(response.status).toBe(413);
    expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 400 for invalid floopy headers", async () => {
    const tooLong = await raw("/v1/chat/completions", {
      body: JSON.stringify(chat()),
      headers: { "floopy-property-x": "v".repeat(2000) },
    });
    expect(tooLong.response.status).toBe(400);
    expect(tooLong.body.error.param).toBe("floopy-property-x");
    const badSession = await raw("/v1/chat/completions", {
      body: JSON.stringify(chat()),
      headers: { "floopy-session-id": "has spaces in it" },
    });
    expect(badSession.response.status).toBe(400);
    const many: Record<string, string> = {};
    for (let index = 0; index < 65; index++) many[`floopy-property-p${index}`] = "v";
    const tooMany = await raw("/v1/chat/completions", { body: JSON.stringify(chat()), headers: many });
    expect(tooMany.response.status).toBe(400);
  });

  it("answers an unknown route with an OpenAI-shaped 404", async () => {
    const { response, body } = await raw("/v1/nothing-here", { body: "{}" });
    expect(response.status).toBe(404);
    expect(body.error.code).toBe("NOT_FOUND");
  });
});

describe("upstream errors and fallback", () => {
  it("keeps an upstream's own 4xx status and message, without failing over", async () => {
    test.fake.pushFault({
      kind: "status",
      status: 400,
      message: "Unsupported parameter: 'foo'.",
      code: "unsupported_parameter",
    });
    const error = await test.client.chat.completions
      .create(chat(), { headers: { "floopy-fallback": "backup/backup-model" } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).message).toContain("Unsupported parameter");
    expect((error as APIError).code).toBe("unsupported_parameter");
    expect(test.backup.requests).toHaveLength(0);
  });

  it("keeps a single upstream's 5xx and 429 status (with Retry-After in whole seconds)", async () => {
    test.fake.pushFault({ kind: "status", status: 503, message: "overloaded" });
    const overloaded = await test.client.chat.completions.create(chat()).catch((caught: unknown) => caught);
    expect((overloaded as APIError).status).toBe(503);
    test.fake.pushFault({ kind: "rate-limit", retryAfterSeconds: 7 });
    const limited = await test.client.chat.completions
      .create(chat())
      .withResponse()
      .catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as APIError).headers?.get("retry-after")).toBe("7");
  });

  it.each([
    ["a 500", { kind: "status" as const, status: 500 }],
    ["a 429", { kind: "rate-limit" as const, retryAfterSeconds: 1 }],
    ["malformed JSON", { kind: "malformed-json" as const }],
    ["a first-byte timeout", { kind: "slow-first-byte" as const, delayMs: 1500 }],
  ])("fails over to floopy-fallback on %s", async (_name, fault) => {
    test.fake.pushFault(fault);
    const { data, response } = await test.client.chat.completions
      .create(chat(), { headers: { "floopy-fallback": "backup/backup-model" } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(response.headers.get("floopy-model")).toBe("backup-model");
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record.fallbackUsed).toBe(true);
    expect(record.attempts.map((attempt) => attempt.provider)).toEqual(["openai", "backup"]);
  });

  it("treats a comma-separated model as a fallback chain", async () => {
    test.fake.pushFault({ kind: "status", status: 502 });
    const { data, response } = await test.client.chat.completions
      .create(chat("gpt-4o-mini,backup/backup-model"))
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
  });

  it("fails over on a connection error", async () => {
    const { data, response } = await test.client.chat.completions
      .create(chat("dead/dead-model"), { headers: { "floopy-fallback": "gpt-4o-mini" } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("openai");
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record.attempts[0]).toMatchObject({
      provider: "dead",
      status: null,
      errorClass: "connection_error",
    });
  });

  it("answers 502 PROVIDER_ERROR listing the attempts when every target fails", async () => {
    test.fake.pushFault({ kind: "status", status: 500 });
    test.backup.pushFault({ kind: "status", status: 503 });
    const { response, body } = await raw("/v1/chat/completions", {
      body: JSON.stringify(chat()),
      headers: { "floopy-fallback": "backup/backup-model" },
    });
    expect(response.status).toBe(502);
    expect(body.error.code).toBe("PROVIDER_ERROR");
    expect(body.error.attempts).toEqual([
      expect.objectContaining({
        provider: "openai",
        model: "gpt-4o-mini",
        status: 500,
        error_class: "http_5xx",
      }),
      expect.objectContaining({
        provider: "backup",
        model: "backup-model",
        status: 503,
        error_class: "http_5xx",
      }),
    ]);
    expect(JSON.stringify(body)).not.toContain(PROVIDER_KEY);
  });

  it("answers 504 GATEWAY_TIMEOUT when the only target does not answer in time", async () => {
    test.fake.pushFault({ kind: "slow-first-byte", delayMs: 1500 });
    const { response, body } = await raw("/v1/chat/completions", { body: JSON.stringify(chat()) });
    expect(response.status).toBe(504);
    expect(body.error.code).toBe("GATEWAY_TIMEOUT");
  });

  it("never echoes a provider credential, in the error body or the record", async () => {
    // A relayed error (a 401 would be PROVIDER_AUTH_FAILED, which relays nothing of the provider's).
    test.fake.pushFault({ kind: "echo-credentials", status: 400 });
    const { response, body } = await raw("/v1/chat/completions", { body: JSON.stringify(chat()) });
    expect(response.status).toBe(400);
    const text = JSON.stringify(body);
    expect(text).not.toContain(PROVIDER_KEY);
    expect(text).not.toContain(TEST_KEY);
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(JSON.stringify(record)).not.toContain(PROVIDER_KEY);
    const files = readdirSync(test.dataDir).filter((name) => name.startsWith("floopy.db"));
    for (const file of files)
      expect(readFileSync(`${test.dataDir}/${file}`).includes(PROVIDER_KEY)).toBe(false);
  });
});

describe("streams under faults", () => {
  it("fails a stream over when the primary fails before its first chunk", async () => {
    test.fake.pushFault({ kind: "status", status: 500 });
    const { data, response } = await test.client.chat.completions
      .create({ ...chat(), stream: true }, { headers: { "floopy-fallback": "backup/backup-model" } })
      .withResponse();
    let text = "";
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: hi");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
  });

  it("ends a stream that breaks mid-way with an error the client raises, and does not replay it", async () => {
    test.fake.pushFault({ kind: "disconnect-mid-stream", afterChunks: 2 });
    const stream = await test.client.chat.completions
      .create(
        {
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "one two three four five" }],
          stream: true,
        },
        {
          headers: { "floopy-fallback": "backup/backup-model" },
        },
      )
      .withResponse();
    const requestId = stream.response.headers.get("floopy-request-id") ?? "";
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(text.length).toBeGreaterThan(0);
    expect(test.backup.requests).toHaveLength(0);
    const record = await storedRecord(test, requestId);
    expect(record.status).toBe(502);
    expect(record.errorCode).not.toBeNull();
  });

  it("turns an upstream's in-band error event into an error the client raises", async () => {
    test.fake.pushFault({ kind: "in-band-error", afterChunks: 1, message: "model overloaded mid-stream" });
    const stream = await test.client.chat.completions.create({ ...chat(), stream: true });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("model overloaded mid-stream");
  });

  it("aborts the upstream request when the client disconnects", async () => {
    test.fake.pushFault({ kind: "slow-drip", intervalMs: 200 });
    const controller = new AbortController();
    const stream = await test.client.chat.completions.create(
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "a b c d e f g h i j k l" }],
        stream: true,
      },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    for (let waited = 0; waited < 2000 && !test.fake.lastRequest()?.aborted; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(test.fake.lastRequest()?.aborted).toBe(true);
  });
});
