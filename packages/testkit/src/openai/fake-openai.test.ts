import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.js";

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-test" });
  client = new OpenAI({ baseURL: fake.url, apiKey: "sk-test", maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const tools: ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("chat completions", () => {
  it("answers an echo of the last user message in OpenAI's shape", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "first" },
          { role: "assistant", content: "ok" },
          {
            role: "user",
            content: [
              { type: "text", text: "hello " },
              { type: "text", text: "there" },
            ],
          },
        ],
      })
      .withResponse();
    expect(data).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o-mini",
      service_tier: "default",
      system_fingerprint: "fp_testkit",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Echo: hello there", refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
    });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.choices[0]?.message.tool_calls).toBeUndefined();
    // "be brief" + "first" + "ok" + "hello there" = 26 characters; "Echo: hello there" = 17.
    expect(data.usage).toEqual({
      prompt_tokens: 7,
      completion_tokens: 5,
      total_tokens: 12,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(response.headers.get("openai-processing-ms")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("9999");
  });

  it("answers n choices and truncates at max_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "a fairly long sentence to be cut" }],
      n: 2,
      max_completion_tokens: 2,
    });
    expect(completion.choices).toHaveLength(2);
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(completion.choices[1]?.message.content).toBe("Echo: a ");
    expect(completion.choices[1]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(4);
  });

  it("answers a forced tool call, to the first tool or the named one", async () => {
    const required = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "weather?" }],
      tools,
      tool_choice: "required",
    });
    const choice = required.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "get_weather", arguments: "{}" },
      },
    ]);
    const named = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "time?" }],
      tools,
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    const call = named.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBe("get_time");
    const auto = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      tools,
    });
    expect(auto.choices[0]?.message.content).toBe("Echo: hi");
  });

  it("answers what a replier says, and reset() restores the echo", async () => {
    fake.setReply(() => ({
      content: "custom",
      refusal: null,
      usage: { promptTokens: 10, completionTokens: 3, cachedTokens: 4, reasoningTokens: 2 },
      finishReason: "content_filter",
    }));
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    expect(completion.choices[0]?.message.content).toBe("custom");
    expect(completion.choices[0]?.finish_reason).toBe("content_filter");
    expect(completion.usage).toMatchObject({
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    fake.reset();
    const echoed = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    expect(echoed.choices[0]?.message.content).toBe("Echo: x");
  });

  it("validates like OpenAI: missing model or messages, wrong types, malformed JSON", async () => {
    const missingModel = await client.chat.completions
      .create({
        messages: [{ role: "user", content: "x" }],
      } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(missingModel).toBeInstanceOf(OpenAI.BadRequestError);
    expect(missingModel).toMatchObject({ param: "model", type: "invalid_request_error" });
    const missingMessages = await client.chat.completions
      .create({ model: "gpt-4o-mini" } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(missingMessages).toMatchObject({
      status: 400,
      param: "messages",
      code: "missing_required_parameter",
    });
    const empty = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [] })
      .catch((error: unknown) => error);
    expect(empty).toMatchObject({ status: 400, param: "messages", code: "empty_array" });
    const badMax = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], max_tokens: 0 })
      .catch((error: unknown) => error);
    expect(badMax).toMatchObject({ status: 400, param: "max_tokens" });

    const malformed = await fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: {
        message: expect.stringContaining("parse the JSON body"),
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });

  it("refuses a wrong or missing API key with a masked message", async () => {
    const wrong = new OpenAI({ baseURL: fake.url, apiKey: "sk-wrong-key-123456789", maxRetries: 0 });
    const error = await wrong.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ code: "invalid_api_key", type: "invalid_request_error", param: null });
    expect((error as Error).message).toContain("sk-***************6789");
    expect((error as Error).message).not.toContain("sk-wrong-key-123456789");
    const missing = await fetch(`${fake.url}/models`);
    expect(missing.status).toBe(401);
  });

  it("answers unknown routes with an OpenAI-shaped 404", async () => {
    const response = await fetch(`${fake.url}/nothing`, { headers: { authorization: "Bearer sk-test" } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message: "Invalid URL (GET /v1/nothing)",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });
});

describe("chat completion streams", () => {
  it("streams role, word deltas, finish and [DONE] without usage", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "one two three" }],
      stream: true,
    });
    const chunks = await collect(stream);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: "assistant", content: "", refusal: null },
      { content: "Echo: " },
      { content: "one " },
      { content: "two " },
      { content: "three" },
      {},
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([
      null,
      null,
      null,
      null,
      null,
      "stop",
    ]);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        object: "chat.completion.chunk",
        model: "gpt-4o-mini",
        id: chunks[0]?.id,
      });
      expect("usage" in chunk).toBe(false);
      expect(chunk.choices[0]?.logprobs).toBeNull();
    }
  });

  it("sends usage: null on every chunk and a final usage chunk with include_usage", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "count me" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.choices.length === 1)).toBe(
      true,
    );
  });

  it("writes each frame exactly as OpenAI does, ending with [DONE]", async () => {
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await response.text();
    const frames = text.split("\n\n");
    expect(frames.at(-1)).toBe("");
    expect(frames.at(-2)).toBe("data: [DONE]");
    expect(frames.slice(0, -2).every((frame) => frame.startsWith('data: {"id":"chatcmpl-'))).toBe(true);
  });

  it("streams multi-byte UTF-8 text intact", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "héllo wörld 你好 🌍🚀 ok" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: héllo wörld 你好 🌍🚀 ok");
  });

  it("streams tool calls the way OpenAI does, and the SDK's stream helper assembles them", async () => {
    fake.setReply(() => ({
      toolCalls: [{ name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' }],
    }));
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "weather?" }],
      tools,
      stream: true,
    });
    const chunks = await collect(stream);
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta);
    expect(deltas[0]).toEqual({ role: "assistant", content: null, refusal: null });
    expect(deltas[1]).toEqual({
      tool_calls: [
        {
          index: 0,
          id: expect.stringMatching(/^call_/),
          type: "function",
          function: { name: "get_weather", arguments: "" },
        },
      ],
    });
    const fragments = deltas.slice(2, -1);
    expect(fragments.length).toBeGreaterThan(1);
    expect(
      fragments.every((delta) => Object.keys(delta?.tool_calls?.[0] ?? {}).join() === "index,function"),
    ).toBe(true);
    expect(fragments.map((delta) => delta?.tool_calls?.[0]?.function?.arguments).join("")).toBe(
      '{"city":"Paris","unit":"celsius"}',
    );
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");

    fake.setReply(undefined);
    const helper = client.chat.completions.stream({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "weather?" }],
      tools,
      tool_choice: "required",
    });
    const final = await helper.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function : undefined).toMatchObject({
      name: "get_weather",
      arguments: "{}",
    });
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
  });
});

describe("embeddings", () => {
  it("answers float vectors: deterministic, unit length, 8 dimensions by default", async () => {
    const first = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["alpha", "beta"],
      encoding_format: "float",
    });
    expect(first).toMatchObject({
      object: "list",
      model: "text-embedding-3-small",
      // ceil(5 / 4) + ceil(4 / 4)
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    expect(first.data.map((item) => [item.object, item.index, item.embedding.length])).toEqual([
      ["embedding", 0, 8],
      ["embedding", 1, 8],
    ]);
    const [alpha, beta] = first.data.map((item) => item.embedding);
    expect(Math.hypot(...(alpha ?? []))).toBeCloseTo(1, 5);
    expect(alpha).not.toEqual(beta);
    const again = await client.embeddings.create({ model: "m", input: "alpha", encoding_format: "float" });
    expect(again.data[0]?.embedding).toEqual(alpha);
  });

  it("answers base64 (the SDK's default) that decodes to the same floats", async () => {
    const decoded = await client.embeddings.create({ model: "m", input: "alpha", dimensions: 16 });
    expect(fake.lastRequest()?.body).toMatchObject({ encoding_format: "base64" });
    const floats = await client.embeddings.create({
      model: "m",
      input: "alpha",
      dimensions: 16,
      encoding_format: "float",
    });
    expect(decoded.data[0]?.embedding).toHaveLength(16);
    expect(decoded.data[0]?.embedding).toEqual(floats.data[0]?.embedding);
  });

  it("accepts token arrays and rejects a missing input", async () => {
    const tokens = await client.embeddings.create({
      model: "m",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: "float",
    });
    expect(tokens.data).toHaveLength(2);
    expect(tokens.usage.prompt_tokens).toBe(5);
    const single = await client.embeddings.create({ model: "m", input: [1, 2, 3], encoding_format: "float" });
    expect(single.data[0]?.embedding).toEqual(tokens.data[0]?.embedding);
    const missing = await client.embeddings
      .create({ model: "m" } as unknown as OpenAI.EmbeddingCreateParams)
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 400, param: "input" });
  });
});

describe("models", () => {
  it("lists and retrieves the configured models, 404 for others", async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]);
    const model = await client.models.retrieve("gpt-4o");
    expect(model).toEqual({
      id: "gpt-4o",
      object: "model",
      created: expect.any(Number),
      owned_by: "testkit",
    });
    const missing = await client.models.retrieve("gpt-9").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ code: "model_not_found", param: "model" });
  });

  it("lists the models given as an option", async () => {
    const custom = await startFakeOpenAI({ models: ["only-model"] });
    try {
      const page = await new OpenAI({ baseURL: custom.url, apiKey: "any", maxRetries: 0 }).models.list();
      expect(page.data.map((model) => model.id)).toEqual(["only-model"]);
    } finally {
      await custom.close();
    }
  });
});

describe("recording", () => {
  it("records every request in order with method, path, query, headers and body", async () => {
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    await client.models.list({ query: { limit: 5 } } as OpenAI.RequestOptions);
    expect(fake.requests).toHaveLength(2);
    const [chat, models] = fake.requests;
    expect(chat).toMatchObject({ method: "POST", path: "/v1/chat/completions", aborted: false });
    expect(chat?.body).toEqual({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
    expect(chat?.rawBody.toString()).toBe(JSON.stringify(chat?.body));
    expect(chat?.headers.authorization).toBe("Bearer sk-test");
    expect(chat?.receivedAt).toBeLessThanOrEqual(Date.now());
    expect(models).toMatchObject({ method: "GET", path: "/v1/models", body: undefined });
    expect(models?.query.get("limit")).toBe("5");
    expect(fake.lastRequest()).toBe(models);
  });

  it("keeps lastRequest() but not the list while recording is off", async () => {
    fake.recordRequests(false);
    try {
      await client.models.list();
      expect(fake.requests).toHaveLength(0);
      expect(fake.lastRequest()?.path).toBe("/v1/models");
    } finally {
      fake.recordRequests(true);
    }
  });
});
