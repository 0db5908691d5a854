import { describe, expect, it } from "vitest";
import type { StreamEvent } from "../../canonical/types.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { createSseParser } from "../sse/sse-parser.js";
import { geminiIngressCodec, geminiUpstreamCodec } from "./codec.js";

// Shaped like the API reference's examples: whole-response chunks, CRLF framing as Google sends it.
const chunks = [
  {
    candidates: [{ content: { parts: [{ text: "Il fait beau à " }], role: "model" }, index: 0 }],
    usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
    modelVersion: "gemini-2.5-flash",
    responseId: "abc123",
  },
  {
    candidates: [
      {
        content: {
          parts: [{ text: "Paris ☀️" }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }],
          role: "model",
        },
        finishReason: "STOP",
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: 9,
      candidatesTokenCount: 12,
      thoughtsTokenCount: 30,
      totalTokenCount: 51,
      cachedContentTokenCount: 4,
    },
    modelVersion: "gemini-2.5-flash",
    responseId: "abc123",
  },
];
const wire = Buffer.from(chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(""));

function decode(size: number): StreamEvent[] {
  const decoder = geminiUpstreamCodec.createStreamDecoder();
  const events: StreamEvent[] = [];
  const parser = createSseParser((frame) =>
    events.push(...decoder.push({ event: frame.event, data: JSON.parse(frame.data) })),
  );
  for (let offset = 0; offset < wire.length; offset += size)
    parser.feed(wire.subarray(offset, offset + size));
  parser.end();
  return [...events, ...decoder.end()];
}

describe("Gemini codec", () => {
  it.each([1, 5, 100_000])(
    "decodes a stream read %i bytes at a time, function call and usage included",
    (size) => {
      const events = decode(size);
      expect(events.map((event) => (event.type === "text-delta" ? event.text : "")).join("")).toBe(
        "Il fait beau à Paris ☀️",
      );
      const args = events
        .map((event) => (event.type === "tool-call-delta" ? event.argumentsDelta : ""))
        .join("");
      expect(JSON.parse(args)).toEqual({ city: "Paris" });
      expect(events).toContainEqual({
        type: "finish",
        index: 0,
        finishReason: "tool_calls",
        rawFinishReason: "STOP",
      });
      // Thoughts count as completion tokens, as OpenAI's reasoning tokens do.
      expect(events.at(-1)).toEqual({
        type: "usage",
        usage: {
          promptTokens: 9,
          completionTokens: 42,
          totalTokens: 51,
          cachedTokens: 4,
          reasoningTokens: 30,
        },
      });
    },
  );

  it("maps finish reasons and a blocked prompt", () => {
    const blocked = geminiUpstreamCodec.decodeResponse({ promptFeedback: { blockReason: "SAFETY" } });
    expect(blocked.choices[0]?.finishReason).toBe("content_filter");
    const cut = geminiUpstreamCodec.decodeResponse({
      candidates: [
        { content: { parts: [{ text: "…" }], role: "model" }, finishReason: "MAX_TOKENS", index: 0 },
      ],
    });
    expect(cut.choices[0]?.finishReason).toBe("length");
  });

  it("names tool results after the calls they answer, merges turns, and reads them back", () => {
    const { value } = geminiUpstreamCodec.encodeRequest({
      model: "gemini-2.5-flash",
      system: [{ type: "text", text: "Be brief." }],
      messages: [
        { role: "user", content: [{ type: "text", text: "weather?" }] },
        {
          role: "assistant",
          content: [{ type: "tool-call", id: "call_9", name: "get_weather", arguments: '{"city":"Paris"}' }],
        },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "call_9", content: "sunny" }] },
        { role: "user", content: [{ type: "text", text: "thanks" }] },
      ],
      responseFormat: { type: "json_schema", name: "w", schema: { type: "object" } },
      toolChoice: { name: "get_weather" },
      tools: [
        { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
      ],
      stream: false,
    });
    expect(value.contents).toEqual([
      { role: "user", parts: [{ text: "weather?" }] },
      {
        role: "model",
        parts: [{ functionCall: { id: "call_9", name: "get_weather", args: { city: "Paris" } } }],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { id: "call_9", name: "get_weather", response: { result: "sunny" } } },
          { text: "thanks" },
        ],
      },
    ]);
    expect(value.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object" },
    });
    expect(value.toolConfig).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    });
    const { value: decoded } = geminiIngressCodec.decodeRequest(value, { model: "gemini-2.5-flash" });
    expect(decoded.messages[2]).toEqual({
      role: "tool",
      content: [{ type: "tool-result", toolCallId: "call_9", content: "sunny" }],
    });
    expect(decoded.toolChoice).toEqual({ name: "get_weather" });
  });

  it("reads Gemini's capitalised schema types as JSON Schema", () => {
    const { value } = geminiIngressCodec.decodeRequest(
      {
        contents: [{ role: "user", parts: [{ text: "x" }] }],
        tools: [
          {
            functionDeclarations: [
              { name: "f", parameters: { type: "OBJECT", properties: { a: { type: "STRING" } } } },
            ],
          },
        ],
      },
      { model: "gemini-2.5-flash" },
    );
    expect(value.tools?.[0]?.parameters).toEqual({ type: "object", properties: { a: { type: "string" } } });
  });

  it("encodes a stream with whole function calls and a final chunk with usage, and errors as Gemini does", () => {
    const encoder = geminiIngressCodec.createStreamEncoder({
      id: "r1",
      model: "gemini-2.5-flash",
      created: 0,
      includeUsage: true,
    });
    const out = [
      ...encoder.push({ type: "text-delta", index: 0, text: "hi" }),
      ...encoder.push({ type: "tool-call-start", index: 0, toolIndex: 0, id: "c1", name: "f" }),
      ...encoder.push({ type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: '{"a":' }),
      ...encoder.push({ type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: "1}" }),
      ...encoder.push({ type: "tool-call-end", index: 0, toolIndex: 0 }),
      ...encoder.push({ type: "finish", index: 0, finishReason: "tool_calls", rawFinishReason: null }),
      ...encoder.push({
        type: "usage",
        usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5, cachedTokens: 0, reasoningTokens: 0 },
      }),
      ...encoder.end(),
    ];
    expect(out).toHaveLength(3);
    expect(JSON.stringify(out[1]?.data)).toContain('"functionCall":{"id":"c1","name":"f","args":{"a":1}}');
    expect(out[2]?.data).toMatchObject({
      candidates: [{ finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    });
    expect(encoder.fail(new GatewayError("GATEWAY_TIMEOUT", "late", { status: 504 }))).toEqual([
      { data: { error: { code: 504, message: "late (GATEWAY_TIMEOUT)", status: "DEADLINE_EXCEEDED" } } },
    ]);
  });
});
