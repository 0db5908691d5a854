import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { StreamEvent } from "../../canonical/types.js";
import { createSseParser } from "../sse/sse-parser.js";
import { createChatStreamDecoder, createChatStreamEncoder } from "./stream.js";
import { createChatStreamTap } from "./stream-tap.js";
import type { ChatCompletionChunk } from "./types.js";

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

function frames(bytes: Uint8Array, splitAt?: number): string[] {
  const out: string[] = [];
  const parser = createSseParser((frame) => out.push(frame.data));
  if (splitAt === undefined) parser.feed(bytes);
  else {
    parser.feed(bytes.subarray(0, splitAt));
    parser.feed(bytes.subarray(splitAt));
  }
  parser.end();
  return out;
}

function decodeAll(datas: string[]): StreamEvent[] {
  const decode = createChatStreamDecoder();
  return datas
    .filter((data) => data !== "[DONE]")
    .flatMap((data) => decode(JSON.parse(data) as ChatCompletionChunk));
}

describe("OpenAI chat stream codec", () => {
  it("decodes streamed tool calls into start, argument deltas, end, finish and usage", () => {
    const events = decodeAll(frames(fixture("stream-tools.sse")));
    expect(events).toEqual([
      { type: "response-start", id: "chatcmpl-abc", model: "gpt-4o-mini-2024-07-18", created: 1730000000 },
      { type: "tool-call-start", index: 0, toolIndex: 0, id: "call_1", name: "get_weather" },
      { type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: '{"ci' },
      { type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: 'ty":"Paris"}' },
      { type: "tool-call-end", index: 0, toolIndex: 0 },
      { type: "finish", index: 0, finishReason: "tool_calls", rawFinishReason: "tool_calls" },
      {
        type: "usage",
        usage: {
          promptTokens: 60,
          completionTokens: 17,
          totalTokens: 77,
          cachedTokens: 32,
          reasoningTokens: 0,
        },
      },
    ]);
  });

  it("decodes the same events whatever byte the stream is split at (UTF-8 and SSE lines across reads)", () => {
    for (const name of ["stream-text.sse", "stream-tools.sse"]) {
      const bytes = fixture(name);
      const whole = decodeAll(frames(bytes));
      for (let splitAt = 1; splitAt < bytes.length; splitAt++) {
        expect(decodeAll(frames(bytes, splitAt))).toEqual(whole);
      }
    }
  });

  it("round-trips decode → encode → decode", () => {
    for (const name of ["stream-text.sse", "stream-tools.sse"]) {
      const events = decodeAll(frames(fixture(name)));
      const encode = createChatStreamEncoder({
        id: "chatcmpl-abc",
        model: "m",
        created: 1,
        includeUsage: true,
      });
      const reencoded = events.flatMap((event) => encode(event)).map((chunk) => JSON.stringify(chunk));
      const again = decodeAll(reencoded);
      const strip = (list: StreamEvent[]) => list.filter((event) => event.type !== "response-start");
      expect(strip(again)).toEqual(strip(events));
    }
  });

  it("taps usage and hides the injected usage from a caller that did not ask", () => {
    const tap = createChatStreamTap({ hideUsage: true });
    const out = frames(fixture("stream-tools.sse")).map((data) => tap.frame(data));
    expect(out.filter((data) => data === null)).toHaveLength(1);
    for (const data of out) {
      if (data === null || data === "[DONE]") continue;
      const chunk = JSON.parse(data) as Record<string, unknown>;
      expect("usage" in chunk).toBe(false);
    }
    const summary = tap.summary();
    expect(summary.usage?.totalTokens).toBe(77);
    expect(summary.sawDone).toBe(true);
    expect(summary.finishReason).toBe("tool_calls");
    expect(summary.producedChars).toBe('{"city":"Paris"}'.length);
  });

  it("leaves frames untouched when the caller asked for usage", () => {
    const tap = createChatStreamTap({ hideUsage: false });
    const datas = frames(fixture("stream-tools.sse"));
    expect(datas.map((data) => tap.frame(data))).toEqual(datas);
  });

  it("reports an in-band error", () => {
    const tap = createChatStreamTap({ hideUsage: false });
    tap.frame('{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}');
    expect(tap.summary().error).toEqual({ message: "overloaded", type: "server_error", code: null });
  });
  it("summarises text frames by scanning them, exactly as parsing would", () => {
    const datas = frames(fixture("stream-text.sse"));
    const tap = createChatStreamTap({ hideUsage: false });
    for (const data of datas) tap.frame(data);
    const parsed = decodeAll(datas);
    const text = parsed.flatMap((event) => (event.type === "text-delta" ? [event.text] : [])).join("");
    const finish = parsed.find((event) => event.type === "finish");
    expect(tap.summary().producedChars).toBe(text.length);
    expect(tap.summary().finishReason).toBe(finish?.type === "finish" ? finish.finishReason : "missing");
  });

  it("counts escaped content as decoded and is not fooled by markers inside strings", () => {
    const tap = createChatStreamTap({ hideUsage: true });
    const content = 'say "usage":{ and "error" \\ é\n';
    const frame = JSON.stringify({
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
      usage: null,
    });
    const out = tap.frame(frame);
    expect(out).not.toBeNull();
    expect(JSON.parse(out ?? "")).toEqual({
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    });
    expect(tap.summary().producedChars).toBe(content.length);
    expect(tap.summary().error).toBeNull();
    expect(tap.summary().usage).toBeNull();
    tap.frame('{"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":null}');
    expect(tap.summary().finishReason).toBe("length");
  });

  it("reports a frame that is not JSON as malformed", () => {
    const tap = createChatStreamTap({ hideUsage: false });
    tap.frame("{not json");
    expect(tap.summary().error?.message).toMatch(/malformed/);
  });
});
