import OpenAI, { type APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fault, faultHeader } from "../faults.js";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.js";

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-test" });
  // logLevel off: the SDK logs the malformed frames these tests send on purpose.
  client = new OpenAI({ baseURL: fake.url, apiKey: "sk-test", maxRetries: 0, logLevel: "off" });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "one two three four" }] };

/** Drains a stream, returning the chunks received and what it threw, if anything. */
async function drain(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  for (let waited = 0; waited < ms && !condition(); waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("status faults", () => {
  it("answers a 500 the SDK raises as InternalServerError", async () => {
    fake.pushFault({ kind: "status", status: 500 });
    const error = await client.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: "server_error", code: null, param: null });
    expect((error as APIError).requestID).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(1);
  });

  it("uses the given message, type, code and headers, on any route", async () => {
    fake.pushFault({
      kind: "status",
      status: 400,
      message: "Unsupported parameter: 'foo'.",
      type: "invalid_request_error",
      code: "unsupported_parameter",
      headers: { "x-extra": "yes" },
    });
    const error = await client.embeddings
      .create({ model: "m", input: "x" })
      .withResponse()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ code: "unsupported_parameter", type: "invalid_request_error" });
    expect((error as Error).message).toContain("Unsupported parameter: 'foo'.");
    expect((error as APIError).headers?.get("x-extra")).toBe("yes");
  });

  it("answers a 429 rate limit with Retry-After and exhausted rate-limit headers", async () => {
    fake.pushFault({ kind: "rate-limit", retryAfterSeconds: 2 });
    const error = await client.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect((error as Error).message).toContain("gpt-4o-mini");
    const headers = (error as APIError).headers;
    expect(headers?.get("retry-after")).toBe("2");
    expect(headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(headers?.get("x-ratelimit-reset-requests")).toBe("2s");
  });

  it("echoes the received credential verbatim with echo-credentials", async () => {
    fake.pushFault({ kind: "echo-credentials" }, { kind: "echo-credentials", status: 403 });
    const unauthorized = await client.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((unauthorized as Error).message).toContain("Bearer sk-test");
    const forbidden = await client.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((forbidden as Error).message).toContain("Bearer sk-test");
  });
});

describe("timing faults", () => {
  it("delays the first byte with slow-first-byte, then answers normally", async () => {
    fake.pushFault({ kind: "slow-first-byte", delayMs: 150 });
    const started = performance.now();
    const completion = await client.chat.completions.create(chat);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(completion.choices[0]?.message.content).toBe("Echo: one two three four");
  });

  it("spaces stream frames with slow-drip, and delays a JSON body", async () => {
    fake.pushFault({ kind: "slow-drip", intervalMs: 40 });
    const stream = await client.chat.completions.create({ ...chat, stream: true });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(performance.now());
    // Role, five words, finish: six gaps.
    expect(arrivals).toHaveLength(7);
    const gaps = arrivals.slice(1).map((arrival, index) => arrival - (arrivals[index] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(30);

    fake.pushFault({ kind: "slow-drip", intervalMs: 100 });
    const started = performance.now();
    await client.chat.completions.create(chat);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("hangs until the client gives up, which marks the request aborted", async () => {
    fake.pushFault({ kind: "hang" });
    const error = await client.chat.completions
      .create(chat, { timeout: 200 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await until(() => fake.lastRequest()?.aborted === true);
    expect(fake.lastRequest()?.aborted).toBe(true);
  });

  it("close() ends hanging connections", async () => {
    const doomed = await startFakeOpenAI();
    doomed.setFault(() => ({ kind: "hang" }));
    const pending = fetch(`${doomed.url}/models`).catch((caught: unknown) => caught);
    await until(() => doomed.requests.length === 1);
    await doomed.close();
    expect(await pending).toBeInstanceOf(TypeError);
    expect(doomed.lastRequest()?.aborted).toBe(false);
  });
});

describe("stream faults", () => {
  it("cuts the connection after N frames with disconnect-mid-stream", async () => {
    fake.pushFault({ kind: "disconnect-mid-stream", afterChunks: 2 });
    const { chunks, error } = await drain(await client.chat.completions.create({ ...chat, stream: true }));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["", "Echo: "]);
    expect(error).toBeInstanceOf(Error);
    // The fake cut the connection itself: that is not a client abort.
    expect(fake.lastRequest()?.aborted).toBe(false);
  });

  it("cuts a JSON answer half-way with disconnect-mid-stream", async () => {
    fake.pushFault({ kind: "disconnect-mid-stream", afterChunks: 0 });
    await expect(client.chat.completions.create(chat)).rejects.toThrow();
  });

  it("sends an in-band error frame after N frames with in-band-error", async () => {
    fake.pushFault({ kind: "in-band-error", afterChunks: 1, message: "model overloaded mid-stream" });
    const { chunks, error } = await drain(await client.chat.completions.create({ ...chat, stream: true }));
    expect(chunks).toHaveLength(1);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("model overloaded mid-stream");
    expect(error).toMatchObject({ type: "server_error" });
  });

  it("ends an in-band error stream without [DONE]", async () => {
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk-test",
        ...faultHeader({ kind: "in-band-error", afterChunks: 0 }),
      },
      body: JSON.stringify({ ...chat, stream: true }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}\n\n',
    );
  });

  it("answers invalid JSON with malformed-json, stream or not", async () => {
    fake.pushFault({ kind: "malformed-json" }, { kind: "malformed-json" });
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test" },
      body: JSON.stringify(chat),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const text = await response.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);

    const { chunks, error } = await drain(await client.chat.completions.create({ ...chat, stream: true }));
    expect(chunks).toHaveLength(1);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it("marks a request aborted when the client leaves a stream", async () => {
    fake.pushFault({ kind: "slow-drip", intervalMs: 100 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { ...chat, stream: true },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect(fake.lastRequest()?.aborted).toBe(false);
    controller.abort();
    await until(() => fake.lastRequest()?.aborted === true);
    expect(fake.lastRequest()?.aborted).toBe(true);
  });
});

describe("choosing faults", () => {
  it("consumes pushed faults first, then asks the selector, then reads the header", async () => {
    const seen: string[] = [];
    fake.setFault((request) => {
      seen.push(request.path);
      return request.path === "/v1/models" ? { kind: "status", status: 503 } : undefined;
    });
    fake.pushFault({ kind: "status", status: 502 });
    await expect(client.models.list()).rejects.toMatchObject({ status: 502 });
    expect(seen).toEqual([]);
    await expect(client.models.list()).rejects.toMatchObject({ status: 503 });
    const headerFault: Fault = { kind: "status", status: 418 };
    await expect(client.models.list({ headers: faultHeader(headerFault) })).rejects.toMatchObject({
      status: 503,
    });
    const answered = await client.embeddings
      .create({ model: "m", input: "x" }, { headers: faultHeader(headerFault) })
      .catch((caught: unknown) => caught);
    expect(answered).toMatchObject({ status: 418 });
    expect(seen).toEqual(["/v1/models", "/v1/models", "/v1/embeddings"]);
    fake.setFault(undefined);
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });

  it("answers 400 for an invalid fault header", async () => {
    const error = await client.models
      .list({ headers: { "x-testkit-fault": '{"kind":"explode"}' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("unknown fault kind");
  });

  it("forgets pending faults on reset()", async () => {
    fake.pushFault({ kind: "hang" });
    fake.reset();
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });
});
