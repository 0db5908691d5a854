import { describe, expect, it } from "vitest";
import type { GenerateResponse } from "../canonical/types.js";
import { eventsToResponse, responseToEvents } from "./response-events.js";

const usage = { promptTokens: 5, completionTokens: 7, totalTokens: 12, cachedTokens: 0, reasoningTokens: 0 };

const answer: GenerateResponse = {
  id: "resp_1",
  model: "gpt-4o-mini",
  created: 1_700_000_000,
  choices: [
    {
      index: 0,
      content: [
        { type: "thinking", text: "let me see", signature: "sig" },
        { type: "text", text: "Paris." },
        { type: "tool-call", id: "call_1", name: "lookup", arguments: '{"q":"paris"}' },
      ],
      finishReason: "tool_calls",
      rawFinishReason: "tool_calls",
    },
  ],
  usage,
};

describe("response events", () => {
  it("round-trips an answer through its stream", () => {
    const events = responseToEvents(answer);
    expect(events[0]).toEqual({
      type: "response-start",
      id: "resp_1",
      model: "gpt-4o-mini",
      created: 1_700_000_000,
    });
    expect(events.at(-1)).toEqual({ type: "usage", usage });
    expect(eventsToResponse(events, { id: "x", model: "y", created: 1 })).toEqual(answer);
  });

  it("folds deltas split across many events", () => {
    const folded = eventsToResponse(
      [
        { type: "text-delta", index: 0, text: "Hel" },
        { type: "text-delta", index: 0, text: "lo" },
        { type: "tool-call-start", index: 0, toolIndex: 0, id: "c", name: "f" },
        { type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: '{"a":' },
        { type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: "1}" },
        { type: "finish", index: 0, finishReason: "stop", rawFinishReason: "stop" },
      ],
      { id: "id", model: "m", created: 2 },
    );
    expect(folded?.choices[0]?.content).toEqual([
      { type: "text", text: "Hello" },
      { type: "tool-call", id: "c", name: "f", arguments: '{"a":1}' },
    ]);
    expect(folded).toMatchObject({ id: "id", model: "m", created: 2, usage: null });
  });

  it("is no answer when the stream broke, erred or never finished", () => {
    const start = { type: "response-start", id: "a", model: "m", created: 1 } as const;
    expect(eventsToResponse([start, { type: "text-delta", index: 0, text: "half" }], answer)).toBeNull();
    expect(
      eventsToResponse(
        [
          { type: "text-delta", index: 0, text: "x" },
          { type: "error", message: "overloaded", errorType: "server_error", code: null },
          { type: "finish", index: 0, finishReason: "stop", rawFinishReason: null },
        ],
        answer,
      ),
    ).toBeNull();
    expect(eventsToResponse([start], answer)).toBeNull();
  });
});
