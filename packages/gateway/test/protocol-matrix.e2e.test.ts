/**
 * The protocol matrix end to end: every caller protocol, through its official client, to every
 * upstream protocol's testkit fake, streamed and not. Asserts what the client parsed, what the
 * upstream received, and what was recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MatrixGateway, startMatrixGateway } from "./support/matrix-gateway.js";
import { storedRecord } from "./support/test-gateway.js";

let test: MatrixGateway;

beforeAll(async () => {
  test = await startMatrixGateway();
});
afterAll(async () => {
  await test.close();
});

interface Answer {
  text: string;
  requestId: string;
}

type Caller = (model: string, prompt: string, stream: boolean) => Promise<Answer>;

const callers: Record<string, Caller> = {
  async "openai chat"(model, prompt, stream) {
    const messages = [{ role: "user" as const, content: prompt }];
    if (!stream) {
      const { data, response } = await test.client.chat.completions
        .create({ model, messages })
        .withResponse();
      return { text: data.choices[0]?.message.content ?? "", requestId: requestIdOf(response.headers) };
    }
    const { data, response } = await test.client.chat.completions
      .create({ model, messages, stream: true })
      .withResponse();
    let text = "";
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? "";
    return { text, requestId: requestIdOf(response.headers) };
  },
  async "openai responses"(model, prompt, stream) {
    if (!stream) {
      const { data, response } = await test.client.responses.create({ model, input: prompt }).withResponse();
      return { text: data.output_text, requestId: requestIdOf(response.headers) };
    }
    const { data, response } = await test.client.responses
      .create({ model, input: prompt, stream: true })
      .withResponse();
    let text = "";
    let completed = false;
    for await (const event of data) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = true;
    }
    expect(completed).toBe(true);
    return { text, requestId: requestIdOf(response.headers) };
  },
  async anthropic(model, prompt, stream) {
    const request = { model, max_tokens: 256, messages: [{ role: "user" as const, content: prompt }] };
    if (!stream) {
      const { data, response } = await test.anthropic.messages.create(request).withResponse();
      const text = data.content.map((block) => (block.type === "text" ? block.text : "")).join("");
      return { text, requestId: requestIdOf(response.headers) };
    }
    const { data, response } = await test.anthropic.messages
      .create({ ...request, stream: true })
      .withResponse();
    let text = "";
    let stopped = false;
    for await (const event of data) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      if (event.type === "message_stop") stopped = true;
    }
    expect(stopped).toBe(true);
    return { text, requestId: requestIdOf(response.headers) };
  },
  async gemini(model, prompt, stream) {
    if (!stream) {
      const response = await test.gemini.models.generateContent({ model, contents: prompt });
      return { text: response.text ?? "", requestId: geminiRequestId(response.sdkHttpResponse?.headers) };
    }
    const chunks = await test.gemini.models.generateContentStream({ model, contents: prompt });
    let text = "";
    let requestId = "";
    for await (const chunk of chunks) {
      text += chunk.text ?? "";
      requestId ||= geminiRequestId(chunk.sdkHttpResponse?.headers);
    }
    return { text, requestId };
  },
};

const upstreams = {
  openai: { model: "gpt-4o-mini", fake: () => test.fake, path: "/v1/chat/completions" },
  anthropic: { model: "claude-sonnet-4-6", fake: () => test.anthropicFake, path: "/v1/messages" },
  google: {
    model: "gemini-2.5-flash",
    fake: () => test.geminiFake,
    path: "/v1beta/models/gemini-2.5-flash:generateContent",
  },
} as const;

const ingressProtocols: Record<string, string> = {
  "openai chat": "openai-chat",
  "openai responses": "openai-responses",
  anthropic: "anthropic-messages",
  gemini: "gemini",
};

function requestIdOf(headers: Headers): string {
  return headers.get("floopy-request-id") ?? "";
}

function geminiRequestId(headers: Record<string, string> | undefined): string {
  return headers?.["floopy-request-id"] ?? "";
}

describe.each(Object.keys(callers))("%s caller", (callerName) => {
  const caller = callers[callerName] as Caller;
  describe.each(Object.entries(upstreams))("to the %s upstream", (provider, upstream) => {
    it.each([false, true])("answers in the caller's protocol (stream: %s)", async (stream) => {
      const prompt = `matrix ${callerName} ${provider} ${stream ? "streamed" : "whole"} ünïcödé ✓`;
      const answer = await caller(upstream.model, prompt, stream);
      expect(answer.text).toBe(`Echo: ${prompt}`);

      const received = upstream.fake().lastRequest();
      // OpenAI serves the Responses API itself: a Responses caller is passed through to it.
      const expectedPath =
        provider === "google" && stream
          ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
          : provider === "openai" && callerName === "openai responses"
            ? "/v1/responses"
            : upstream.path;
      expect(received?.path).toBe(expectedPath);
      expect(JSON.stringify(received?.body)).toContain(JSON.stringify(prompt).slice(1, -1));
      if (provider !== "google") {
        expect((received?.body as { model?: string } | undefined)?.model).toBe(upstream.model);
      }

      expect(answer.requestId).not.toBe("");
      const record = await storedRecord(test, answer.requestId);
      expect(record.provider).toBe(provider);
      expect(record.status).toBe(200);
      expect(record.ingressProtocol).toBe(ingressProtocols[callerName]);
      expect(record.usage?.promptTokens).toBeGreaterThan(0);
      expect(record.usage?.completionTokens).toBeGreaterThan(0);
    });
  });
});
