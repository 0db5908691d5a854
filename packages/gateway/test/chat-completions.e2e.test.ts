import OpenAI from "openai";
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
  test = await startTestGateway();
});
afterAll(async () => {
  await test?.close();
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
});

describe("POST /v1/chat/completions through the openai client", () => {
  it("answers a chat completion and records it with usage and cost", async () => {
    const { data, response } = await test.client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello there" }] },
        {
          headers: { "floopy-session-id": "s-1", "floopy-user-id": "u-1", "floopy-property-team": "search" },
        },
      )
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hello there");
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get("floopy-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-request-id")).toBe(requestId);
    expect(response.headers.get("floopy-provider")).toBe("openai");
    expect(response.headers.get("floopy-model")).toBe("gpt-4o-mini");
    expect(response.headers.get("floopy-fallback-used")).toBe("false");

    const upstream = test.fake.lastRequest();
    expect(upstream?.path).toBe("/v1/chat/completions");
    expect(upstream?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(upstream?.headers["floopy-session-id"]).toBeUndefined();
    expect(JSON.stringify(upstream?.headers)).not.toContain(TEST_KEY);
    expect(upstream?.body).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello there" }],
    });

    const record = await storedRecord(test, requestId ?? "");
    expect(record).toMatchObject({
      operation: "generate",
      ingressProtocol: "openai-chat",
      orgId: "default",
      provider: "openai",
      model: "gpt-4o-mini",
      requestedModel: "gpt-4o-mini",
      status: 200,
      sessionId: "s-1",
      userId: "u-1",
      properties: { team: "search" },
      stream: false,
      fallbackUsed: false,
      usageSource: "upstream",
      errorCode: null,
    });
    expect(record.usage?.promptTokens).toBe(data.usage?.prompt_tokens);
    expect(record.usage?.completionTokens).toBe(data.usage?.completion_tokens);
    expect(record.costUsd).toBeGreaterThan(0);
    expect(record.latencyMs).toBeGreaterThan(0);
    expect(record.attempts).toHaveLength(1);
  });

  it("rewrites an explicit provider/model to the upstream's model name", async () => {
    const completion = await test.client.chat.completions.create({
      model: "openai/gpt-4o",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Echo: hi");
    expect(((test.fake.lastRequest()?.body ?? {}) as { model: string }).model).toBe("gpt-4o");
  });

  it("streams chunks; usage requested upstream and hidden from a caller that did not ask", async () => {
    const stream = await test.client.chat.completions
      .create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "stream these words please" }],
        stream: true,
      })
      .withResponse();
    const requestId = stream.response.headers.get("floopy-request-id") ?? "";
    expect(stream.response.headers.get("content-type")).toContain("text/event-stream");
    let text = "";
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream.data) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Echo: stream these words please");
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    const upstreamBody = test.fake.lastRequest()?.body as { stream_options?: { include_usage?: boolean } };
    expect(upstreamBody.stream_options?.include_usage).toBe(true);
    const record = await storedRecord(test, requestId);
    expect(record.stream).toBe(true);
    expect(record.usageSource).toBe("upstream");
    expect(record.usage?.completionTokens).toBeGreaterThan(0);
    expect(record.ttftMs).not.toBeNull();
  });

  it("forwards the caller's bytes, spliced, when only the model and the usage option change", async () => {
    // Hand-formatted, with a number JSON.stringify would rewrite: re-serialising would show.
    const body =
      '{ "model" : "openai/gpt-4o-mini",\n  "messages": [{"role":"user","content":"say \\"model\\": {x}"}],' +
      ' "temperature": 1.0, "seed": 12345678901234567890, "stream": true }';
    const response = await fetch(`${test.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    await response.text();
    const expected = `{"stream_options":{"include_usage":true}, "model" : "gpt-4o-mini",${body.slice(body.indexOf(",") + 1)}`;
    expect(test.fake.lastRequest()?.rawBody.toString()).toBe(expected);
  });

  it("re-serialises instead of splicing when a member name repeats", async () => {
    const body =
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"model":"openai/gpt-4o-mini"}';
    const response = await fetch(`${test.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    await response.text();
    expect(test.fake.lastRequest()?.rawBody.toString()).toBe(
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}',
    );
  });

  it("streams usage to a caller that asked for it (stream_options.include_usage)", async () => {
    const stream = await test.client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "count me" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it("streams multi-byte UTF-8 text intact", async () => {
    const stream = await test.client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "héllo wörld 你好 🌍🚀 ok" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: héllo wörld 你好 🌍🚀 ok");
  });

  it("passes tool calls through, streamed and not", async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } },
    ];
    const completion = await test.client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "weather?" }],
      tools,
      tool_choice: "required",
    });
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBe("get_weather");

    const stream = test.client.chat.completions.stream({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "weather?" }],
      tools,
      tool_choice: "required",
    });
    const final = await stream.finalChatCompletion();
    const streamedCall = final.choices[0]?.message.tool_calls?.[0];
    expect(streamedCall?.type === "function" ? streamedCall.function.name : undefined).toBe("get_weather");
    expect(() =>
      JSON.parse(streamedCall?.type === "function" ? streamedCall.function.arguments : "x"),
    ).not.toThrow();
  });

  it("replaces the model with floopy-model-override", async () => {
    const { response } = await test.client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] },
        { headers: { "floopy-model-override": "backup/backup-model" } },
      )
      .withResponse();
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(((test.backup.lastRequest()?.body ?? {}) as { model: string }).model).toBe("backup-model");
    expect(test.fake.requests).toHaveLength(0);
  });
});

describe("GET /v1/models and POST /v1/embeddings", () => {
  it("lists and retrieves what the enabled providers serve", async () => {
    const page = await test.client.models.list();
    const ids = page.data.map((model) => model.id);
    // The OpenAI fake lists gpt-4o-mini, gpt-4o and text-embedding-3-small; the catalogue's other
    // OpenAI models are not listed, because the provider itself was asked.
    expect(ids).toEqual(expect.arrayContaining(["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]));
    expect(ids).not.toContain("gpt-5");
    // The backup fake serves the same names; they stay reachable under its own prefix.
    expect(ids).toEqual(expect.arrayContaining(["backup/gpt-4o-mini", "backup-model"]));
    // The dead provider cannot be listed: its configured models stand in.
    expect(ids).toContain("dead-model");
    expect(ids.some((id) => id.startsWith("claude-"))).toBe(false);
    expect(test.fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /v1/models",
    ]);
    expect(test.fake.lastRequest()?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const model = await test.client.models.retrieve("gpt-4o-mini");
    expect(model).toMatchObject({ id: "gpt-4o-mini", object: "model", owned_by: "openai" });
    const qualified = await test.client.models.retrieve("backup/backup-model");
    expect(qualified.owned_by).toBe("backup");
    await expect(test.client.models.retrieve("no-such-model")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // Matches a pattern of OpenAI's, but OpenAI did not list it.
    await expect(test.client.models.retrieve("gpt-9-imaginary")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("creates embeddings (the client's default base64 encoding) and records usage", async () => {
    const { data, response } = await test.client.embeddings
      .create({ model: "text-embedding-3-small", input: ["alpha", "beta"] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(typeof data.data[0]?.embedding[0]).toBe("number");
    expect(((test.fake.lastRequest()?.body ?? {}) as { encoding_format?: string }).encoding_format).toBe(
      "base64",
    );
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record).toMatchObject({ operation: "embed", provider: "openai", status: 200 });
    expect(record.usage?.promptTokens).toBe(data.usage.prompt_tokens);
  });

  it("reuses the providers' lists within the TTL", async () => {
    await test.client.models.list();
    test.fake.reset();
    await test.client.models.list();
    await test.client.models.retrieve("gpt-4o");
    expect(test.fake.requests).toHaveLength(0);
  });
});
