/**
 * What translation must carry across protocols, end to end with the official clients: tool-call
 * round trips (streamed arguments reassembled into valid JSON), images, errors in the caller's own
 * shape (before and in the middle of a stream), token counting and embeddings.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { RecordedRequest } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MatrixGateway, startMatrixGateway } from "./support/matrix-gateway.js";
import { storedRecord, TEST_KEY } from "./support/test-gateway.js";
import { openaiToolResult } from "./support/tool-result.js";

let test: MatrixGateway;

beforeAll(async () => {
  test = await startMatrixGateway();
  test.fake.setReply(openaiWeather);
  test.anthropicFake.setReply(anthropicWeather);
  test.geminiFake.setReply(geminiWeather);
});
afterEach(() => {
  test.fake.setReply(openaiWeather);
  test.anthropicFake.setReply(anthropicWeather);
  test.geminiFake.setReply(geminiWeather);
});
afterAll(async () => {
  await test.close();
});

// Each fake calls `weather` first, then answers from the tool's result.
const ARGS = { city: "Paris", units: "celsius" };

function openaiWeather(request: RecordedRequest) {
  const result = openaiToolResult(request);
  if (result !== undefined) return { content: `The tool said: ${result}` };
  return { toolCalls: [{ id: "call_ow1", name: "weather", arguments: JSON.stringify(ARGS) }] };
}

function anthropicWeather(request: RecordedRequest) {
  const body = request.body as { messages: Array<{ role: string; content: unknown }> };
  for (const message of body.messages) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content as Array<{ type: string; content?: unknown }>) {
      if (block.type === "tool_result") {
        const content = block.content;
        const text =
          typeof content === "string"
            ? content
            : (content as Array<{ text: string }>).map((part) => part.text).join("");
        return { text: `The tool said: ${text}` };
      }
    }
  }
  return { toolCalls: [{ id: "toolu_aw1", name: "weather", input: ARGS }] };
}

function geminiWeather(request: RecordedRequest) {
  const body = request.body as { contents?: Array<{ parts: Array<Record<string, unknown>> }> };
  for (const content of body.contents ?? []) {
    for (const part of content.parts) {
      const response = part.functionResponse as { response?: { result?: string } } | undefined;
      if (response) return { text: `The tool said: ${response.response?.result ?? ""}` };
    }
  }
  return { functionCalls: [{ name: "weather", args: ARGS }] };
}

const schema = {
  type: "object",
  properties: { city: { type: "string" }, units: { type: "string" } },
  required: ["city"],
};

interface Call {
  id: string;
  name: string;
  args: unknown;
}

interface ToolCaller {
  call(model: string, stream: boolean): Promise<Call>;
  answer(model: string, call: Call): Promise<string>;
}

const toolCallers: Record<string, ToolCaller> = {
  "openai chat": {
    async call(model, stream) {
      const request = {
        model,
        messages: [{ role: "user" as const, content: "weather in Paris?" }],
        tools: [{ type: "function" as const, function: { name: "weather", parameters: schema } }],
      };
      if (!stream) {
        const completion = await test.client.chat.completions.create(request);
        const call = completion.choices[0]?.message.tool_calls?.[0];
        expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
        if (call?.type !== "function") throw new Error("no function call");
        return { id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) };
      }
      const chunks = await test.client.chat.completions.create({ ...request, stream: true });
      let id = "";
      let name = "";
      let args = "";
      for await (const chunk of chunks) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
          id ||= call.id ?? "";
          name ||= call.function?.name ?? "";
          args += call.function?.arguments ?? "";
        }
      }
      return { id, name, args: JSON.parse(args) };
    },
    async answer(model, call) {
      const completion = await test.client.chat.completions.create({
        model,
        messages: [
          { role: "user", content: "weather in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: call.id,
                type: "function",
                function: { name: call.name, arguments: JSON.stringify(call.args) },
              },
            ],
          },
          { role: "tool", tool_call_id: call.id, content: "sunny" },
        ],
        tools: [{ type: "function", function: { name: "weather", parameters: schema } }],
      });
      return completion.choices[0]?.message.content ?? "";
    },
  },
  "openai responses": {
    async call(model, stream) {
      const request = {
        model,
        input: "weather in Paris?",
        tools: [{ type: "function" as const, name: "weather", parameters: schema, strict: false }],
      };
      if (!stream) {
        const response = await test.client.responses.create(request);
        const item = response.output.find((entry) => entry.type === "function_call");
        if (item?.type !== "function_call") throw new Error("no function call");
        return { id: item.call_id, name: item.name, args: JSON.parse(item.arguments) };
      }
      const events = await test.client.responses.create({ ...request, stream: true });
      let call: Call | undefined;
      for await (const event of events) {
        if (event.type === "response.output_item.done" && event.item.type === "function_call") {
          call = { id: event.item.call_id, name: event.item.name, args: JSON.parse(event.item.arguments) };
        }
      }
      if (!call) throw new Error("no function call");
      return call;
    },
    async answer(model, call) {
      const response = await test.client.responses.create({
        model,
        input: [
          { role: "user", content: "weather in Paris?" },
          { type: "function_call", call_id: call.id, name: call.name, arguments: JSON.stringify(call.args) },
          { type: "function_call_output", call_id: call.id, output: "sunny" },
        ],
        tools: [{ type: "function", name: "weather", parameters: schema, strict: false }],
      });
      return response.output_text;
    },
  },
  anthropic: {
    async call(model, stream) {
      const request = {
        model,
        max_tokens: 256,
        messages: [{ role: "user" as const, content: "weather in Paris?" }],
        tools: [{ name: "weather", input_schema: schema as Anthropic.Tool.InputSchema }],
      };
      const message = stream
        ? await test.anthropic.messages.stream(request).finalMessage()
        : await test.anthropic.messages.create(request);
      expect(message.stop_reason).toBe("tool_use");
      const block = message.content.find((entry) => entry.type === "tool_use");
      if (block?.type !== "tool_use") throw new Error("no tool_use");
      return { id: block.id, name: block.name, args: block.input };
    },
    async answer(model, call) {
      const message = await test.anthropic.messages.create({
        model,
        max_tokens: 256,
        messages: [
          { role: "user", content: "weather in Paris?" },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: call.id, name: call.name, input: call.args }],
          },
          { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "sunny" }] },
        ],
        tools: [{ name: "weather", input_schema: schema as Anthropic.Tool.InputSchema }],
      });
      return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    },
  },
  gemini: {
    async call(model, stream) {
      const request = {
        model,
        contents: "weather in Paris?",
        config: { tools: [{ functionDeclarations: [{ name: "weather", parametersJsonSchema: schema }] }] },
      };
      let calls: Array<{ id?: string; name?: string; args?: unknown }> = [];
      if (!stream) calls = (await test.gemini.models.generateContent(request)).functionCalls ?? [];
      else {
        for await (const chunk of await test.gemini.models.generateContentStream(request)) {
          calls.push(...(chunk.functionCalls ?? []));
        }
      }
      const call = calls[0];
      if (!call) throw new Error("no function call");
      return { id: call.id ?? "", name: call.name ?? "", args: call.args };
    },
    async answer(model, call) {
      const response = await test.gemini.models.generateContent({
        model,
        contents: [
          { role: "user", parts: [{ text: "weather in Paris?" }] },
          {
            role: "model",
            parts: [
              { functionCall: { id: call.id, name: call.name, args: call.args as Record<string, unknown> } },
            ],
          },
          {
            role: "user",
            parts: [{ functionResponse: { id: call.id, name: call.name, response: { result: "sunny" } } }],
          },
        ],
        config: { tools: [{ functionDeclarations: [{ name: "weather", parametersJsonSchema: schema }] }] },
      });
      return response.text ?? "";
    },
  },
};

const models = { openai: "gpt-4o-mini", anthropic: "claude-sonnet-4-6", google: "gemini-2.5-flash" };

describe.each(Object.keys(toolCallers))("tool round trip from the %s caller", (callerName) => {
  const caller = toolCallers[callerName] as ToolCaller;
  it.each(Object.entries(models))("to %s, streamed and not", async (_provider, model) => {
    for (const stream of [false, true]) {
      const call = await caller.call(model, stream);
      expect(call.name).toBe("weather");
      expect(call.args).toEqual(ARGS);
      expect(await caller.answer(model, call)).toBe("The tool said: sunny");
    }
  });
});

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

describe("images", () => {
  it("reach each upstream in its own format", async () => {
    const ask = (model: string) =>
      test.client.chat.completions.create({
        model,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this?" },
              { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
            ],
          },
        ],
      });
    test.fake.setReply(undefined);
    test.anthropicFake.setReply(undefined);
    test.geminiFake.setReply(undefined);
    await ask("claude-sonnet-4-6");
    expect(JSON.stringify(test.anthropicFake.lastRequest()?.body)).toContain(
      JSON.stringify({ type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }),
    );
    await ask("gemini-2.5-flash");
    expect(JSON.stringify(test.geminiFake.lastRequest()?.body)).toContain(
      JSON.stringify({ inlineData: { mimeType: "image/png", data: PNG } }),
    );
    const message = await test.anthropic.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 64,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
            { type: "text", text: "and this?" },
          ],
        },
      ],
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Echo: and this?" });
    expect(JSON.stringify(test.fake.lastRequest()?.body)).toContain(
      '"image_url":{"url":"https://example.com/cat.png"}',
    );
  });

  it("refuses an image URL on a private address for a provider that needs bytes", async () => {
    const error = await test.client.chat.completions
      .create({
        model: "gemini-2.5-flash",
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: `${test.gateway.url}/healthz` } }],
          },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(
      /Could not fetch the image at http:\/\/127\.0\.0\.1:\d+: it points to a non-public address/,
    );
  });
});

describe("errors in the caller's own protocol", () => {
  it("answers an unknown model in each protocol's shape", async () => {
    await expect(
      test.client.chat.completions.create({ model: "nope-1", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const anthropicError = await test.anthropic.messages
      .create({ model: "nope-1", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    expect(anthropicError).toBeInstanceOf(Anthropic.NotFoundError);
    expect((anthropicError as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: "error",
      error: { type: "not_found_error" },
    });
    const geminiError = await test.gemini.models
      .generateContent({ model: "nope-1", contents: "x" })
      .catch((caught: unknown) => caught);
    expect(geminiError).toMatchObject({ status: 404 });
    expect(String(geminiError)).toContain("NOT_FOUND");
  });

  it("keeps an upstream's 429 and Retry-After, rendered for an OpenAI caller", async () => {
    test.anthropicFake.pushFault({ kind: "rate-limit", retryAfterSeconds: 7 });
    const error = await test.client.chat.completions
      .create({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")).toBe("7");
  });

  it("turns an upstream's in-band stream error into the caller's error event, never a silent success", async () => {
    test.geminiFake.setReply(undefined);
    test.geminiFake.pushFault({ kind: "in-band-error", afterChunks: 1, message: "gemini broke mid-stream" });
    const stream = test.anthropic.messages.stream({
      model: "gemini-2.5-flash",
      max_tokens: 64,
      messages: [{ role: "user", content: "one two three four" }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/gemini broke mid-stream/);

    test.anthropicFake.setReply(undefined);
    test.anthropicFake.pushFault({ kind: "disconnect-mid-stream", afterChunks: 3 });
    const chunks = await test.gemini.models.generateContentStream({
      model: "claude-sonnet-4-6",
      contents: "a b c d e f",
    });
    const failure = await (async () => {
      for await (const _chunk of chunks) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ status: 502 });
  });
});

describe("streams are translated, not buffered", () => {
  it("delivers a slow upstream's first chunk long before the upstream finishes", async () => {
    test.anthropicFake.setReply(undefined);
    test.anthropicFake.pushFault({ kind: "slow-drip", intervalMs: 150 });
    const stream = await test.client.chat.completions.create({
      model: "claude-sonnet-4-6",
      messages: [{ role: "user", content: "one two three four five six seven eight" }],
      stream: true,
    });
    let firstTextAt = 0;
    let text = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content ?? "";
      if (delta !== "" && firstTextAt === 0) firstTextAt = performance.now();
      text += delta;
    }
    const endedAt = performance.now();
    expect(text).toBe("Echo: one two three four five six seven eight");
    // The upstream sends a frame every 150 ms; a buffering gateway would deliver everything at the end.
    expect(endedAt - firstTextAt).toBeGreaterThan(5 * 150);
  });
});

describe("token counting", () => {
  it("asks the provider when it speaks the caller's protocol, counts locally otherwise", async () => {
    const messages = [{ role: "user" as const, content: "count the tokens of this sentence, please" }];
    const own = await test.anthropic.messages
      .countTokens({ model: "claude-sonnet-4-6", messages })
      .withResponse();
    expect(own.data.input_tokens).toBeGreaterThan(0);
    expect(test.anthropicFake.lastRequest()?.path).toBe("/v1/messages/count_tokens");
    expect(own.response.headers.get("floopy-token-count-source")).toBeNull();

    const local = await test.anthropic.messages
      .countTokens({ model: "gpt-4o-mini", messages })
      .withResponse();
    expect(local.response.headers.get("floopy-token-count-source")).toBe("tokenizer");
    // o200k_base: "count the tokens of this sentence, please" is 8 tokens.
    expect(local.data.input_tokens).toBe(8);

    const gemini = await test.gemini.models.countTokens({
      model: "claude-sonnet-4-6",
      contents: "four words right here",
    });
    expect(gemini.totalTokens).toBe(Math.ceil("four words right here".length / 4));
    const geminiOwn = await test.gemini.models.countTokens({
      model: "gemini-2.5-flash",
      contents: "four words right here",
    });
    expect(geminiOwn.totalTokens).toBeGreaterThan(0);
    expect(test.geminiFake.lastRequest()?.path).toBe("/v1beta/models/gemini-2.5-flash:countTokens");
  });
});

describe("usage an upstream leaves out", () => {
  it("counts the prompt of an OpenAI model with its tokenizer, and labels the usage an estimate", async () => {
    test.fake.setReply(() => ({ content: "twelve characters", omitUsage: true }));
    const { data, response } = await test.anthropic.messages
      .create({
        model: "gpt-4o-mini",
        max_tokens: 50,
        messages: [{ role: "user", content: "count the tokens of this sentence, please" }],
      })
      .withResponse();
    // The caller still gets usage: estimated where the provider gave none.
    expect(data.usage.output_tokens).toBe(Math.ceil("twelve characters".length / 4));
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record.usageSource).toBe("estimate");
    // o200k_base: 8 tokens, where the character estimate would say 11.
    expect(record.usage?.promptTokens).toBe(8);
  });
});

describe("embeddings across protocols", () => {
  it("serves an OpenAI client from Gemini and a Gemini client from OpenAI", async () => {
    const { data, response } = await test.client.embeddings
      .create({ model: "gemini-embedding-001", input: ["alpha", "beta"] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding).toHaveLength(768);
    expect(test.geminiFake.lastRequest()?.path).toBe(
      "/v1beta/models/gemini-embedding-001:batchEmbedContents",
    );
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record.provider).toBe("google");
    expect(record.usageSource).toBe("estimate");

    const embedded = await test.gemini.models.embedContent({
      model: "text-embedding-3-small",
      contents: ["gamma"],
    });
    expect(embedded.embeddings?.[0]?.values?.length).toBeGreaterThan(0);
    expect(test.fake.lastRequest()?.path).toBe("/v1/embeddings");
  });
});

describe("bad input on each protocol's routes", () => {
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${test.gateway.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it("answers field-naming 400s and 404s in the route's own shape", async () => {
    const noMaxTokens = await post("/v1/messages", {
      model: "claude-sonnet-4-6",
      messages: [{ role: "user", content: "x" }],
    });
    expect(noMaxTokens).toMatchObject({
      status: 400,
      body: { type: "error", error: { type: "invalid_request_error" } },
    });
    expect(JSON.stringify(noMaxTokens.body)).toContain("max_tokens");

    const badRole = await post("/v1/messages", {
      model: "claude-sonnet-4-6",
      max_tokens: 5,
      messages: [{ role: "system", content: "x" }],
    });
    expect(JSON.stringify(badRole.body)).toContain("messages.0.role");

    const noContents = await post("/v1beta/models/gemini-2.5-flash:generateContent", { contents: "x" });
    expect(noContents).toMatchObject({
      status: 400,
      body: { error: { code: 400, status: "INVALID_ARGUMENT" } },
    });
    expect(JSON.stringify(noContents.body)).toContain("contents");

    const unknownAction = await post("/v1beta/models/gemini-2.5-flash:explode", { contents: [] });
    expect(unknownAction).toMatchObject({ status: 404, body: { error: { status: "NOT_FOUND" } } });

    const malformed = await post("/v1beta/models/gemini-2.5-flash:generateContent", "{not json");
    expect(malformed).toMatchObject({ status: 400, body: { error: { status: "INVALID_ARGUMENT" } } });

    const noInput = await post("/v1/responses", { model: "gpt-4o-mini" });
    expect(noInput).toMatchObject({ status: 400, body: { error: { param: "input", code: "BAD_REQUEST" } } });

    const tooDeep = await post("/v1/messages", `${"[".repeat(200)}${"]".repeat(200)}`);
    expect(tooDeep).toMatchObject({ status: 400, body: { type: "error" } });
  });
});

describe("authentication per protocol", () => {
  it("accepts each SDK's own key header and refuses a wrong key in the caller's shape", async () => {
    const viaHeader = await fetch(`${test.gateway.url}/v1/messages`, {
      method: "POST",
      headers: {
        "x-api-key": TEST_KEY,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(viaHeader.status).toBe(200);
    const viaQuery = await fetch(
      `${test.gateway.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${TEST_KEY}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      },
    );
    expect(viaQuery.status).toBe(200);
    const refused = await fetch(`${test.gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "fp_wrong_0000000000000000000" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
  });
});
