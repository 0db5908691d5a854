import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { GenerateRequest, StreamEvent } from "../../canonical/types.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { createSseParser, type SseFrame } from "../sse/sse-parser.js";
import { anthropicIngressCodec, anthropicUpstreamCodec } from "./codec.js";

const fixture = readFileSync(new URL("./__fixtures__/stream-tool-use.sse", import.meta.url));

/** Feeds the bytes in pieces of `size`, so events and multi-byte characters straddle reads. */
function framesOf(bytes: Uint8Array, size: number): SseFrame[] {
  const frames: SseFrame[] = [];
  const parser = createSseParser((frame) => frames.push(frame));
  for (let offset = 0; offset < bytes.length; offset += size)
    parser.feed(bytes.subarray(offset, offset + size));
  parser.end();
  return frames;
}

function decodeStream(frames: SseFrame[]): StreamEvent[] {
  const decoder = anthropicUpstreamCodec.createStreamDecoder();
  return [
    ...frames.flatMap((frame) => decoder.push({ event: frame.event, data: JSON.parse(frame.data) })),
    ...decoder.end(),
  ];
}

describe("Anthropic Messages codec", () => {
  it("decodes the documented response example", () => {
    const decoded = anthropicUpstreamCodec.decodeResponse({
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello!" }],
      model: "claude-sonnet-4-6",
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 12,
        output_tokens: 6,
        cache_read_input_tokens: 4,
        cache_creation_input_tokens: 2,
      },
    });
    expect(decoded.choices[0]).toMatchObject({
      content: [{ type: "text", text: "Hello!" }],
      finishReason: "stop",
    });
    // promptTokens counts cached and cache-written tokens too, like OpenAI's prompt_tokens.
    expect(decoded.usage).toMatchObject({
      promptTokens: 18,
      completionTokens: 6,
      cachedTokens: 4,
      cacheWriteTokens: 2,
    });
  });

  it.each([1, 3, 7, 64, 100_000])(
    "decodes the documented tool-use stream read %i bytes at a time",
    (size) => {
      const events = decodeStream(framesOf(fixture, size));
      const text = events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
      expect(text).toBe("Okay, let's check the weather for San Francisco, CA — ☀️ ");
      const args = events
        .map((event) => (event.type === "tool-call-delta" ? event.argumentsDelta : ""))
        .join("");
      expect(JSON.parse(args)).toEqual({ location: "San Francisco, CA", unit: "fahrenheit" });
      expect(events).toContainEqual({
        type: "tool-call-start",
        index: 0,
        toolIndex: 0,
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        name: "get_weather",
      });
      expect(events).toContainEqual({
        type: "finish",
        index: 0,
        finishReason: "tool_calls",
        rawFinishReason: "tool_use",
      });
      expect(events.at(-1)).toEqual({
        type: "usage",
        usage: {
          promptTokens: 572,
          completionTokens: 89,
          totalTokens: 661,
          cachedTokens: 100,
          reasoningTokens: 0,
        },
      });
    },
  );

  it("re-encodes a decoded stream as the same event sequence", () => {
    const encoder = anthropicIngressCodec.createStreamEncoder({
      id: "msg_x",
      model: "claude-sonnet-4-6",
      created: 0,
      includeUsage: true,
    });
    const events = decodeStream(framesOf(fixture, 100_000));
    const out = [...events.flatMap((event) => encoder.push(event)), ...encoder.end()];
    expect(out.map((event) => event.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(out.at(-2)?.data).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { input_tokens: 472, output_tokens: 89, cache_read_input_tokens: 100 },
    });
    const failed = encoder.fail(new GatewayError("PROVIDER_ERROR", "boom", { status: 529 }));
    expect(failed).toEqual([
      {
        event: "error",
        data: { type: "error", error: { type: "overloaded_error", message: "boom (PROVIDER_ERROR)" } },
      },
    ]);
  });

  it("carries system cache hints, tool results, thinking signatures and images through a round trip", () => {
    const request: GenerateRequest = {
      model: "claude-sonnet-4-6",
      system: [{ type: "text", text: "Be brief.", cacheControl: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "weather?" },
            { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", text: "Let me call the tool.", signature: "sig-1" },
            { type: "tool-call", id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
            { type: "tool-call", id: "toolu_2", name: "get_weather", arguments: '{"city":"Rome"}' },
          ],
        },
        {
          role: "tool",
          content: [
            { type: "tool-result", toolCallId: "toolu_1", content: "sunny" },
            { type: "tool-result", toolCallId: "toolu_2", content: "rainy", isError: true },
          ],
        },
        { role: "user", content: [{ type: "text", text: "and tomorrow?" }] },
      ],
      maxTokens: 100,
      stop: ["END"],
      tools: [{ name: "get_weather", parameters: { type: "object" } }],
      toolChoice: "required",
      parallelToolCalls: false,
      stream: false,
    };
    const { value, warnings } = anthropicUpstreamCodec.encodeRequest(request);
    expect(warnings).toEqual([]);
    // Both tool results and the next user text form one user turn: Anthropic wants roles to alternate.
    expect((value.messages as unknown[]).length).toBe(3);
    expect(value.system).toEqual([{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }]);
    expect(value.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
    const { value: decoded } = anthropicIngressCodec.decodeRequest(value, {});
    expect(decoded.system).toEqual(request.system);
    expect(decoded.messages).toEqual(request.messages);
    expect(decoded.toolChoice).toBe("required");
    expect(decoded.parallelToolCalls).toBe(false);
  });

  it("says what it cannot carry to Anthropic", () => {
    const { value, warnings } = anthropicUpstreamCodec.encodeRequest({
      model: "claude-sonnet-4-6",
      system: [],
      messages: [{ role: "user", content: [{ type: "text", text: "json please" }] }],
      responseFormat: { type: "json_object" },
      seed: 7,
      temperature: 1.5,
      stream: false,
    });
    expect(value.max_tokens).toBe(4096);
    expect(value.temperature).toBe(1);
    expect(warnings).toHaveLength(3);
    // JSON mode is carried, not dropped: a forced tool whose input is the answer.
    expect(value.tool_choice).toEqual({ type: "tool", name: "json_answer" });
  });
});
