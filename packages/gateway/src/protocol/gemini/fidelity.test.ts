import { describe, expect, it } from "vitest";
import type { GenerateResponse, ToolResultPart } from "../../canonical/types.js";
import { geminiIngressCodec, geminiUpstreamCodec } from "./codec.js";

function decode(body: Record<string, unknown>) {
  const validated = geminiIngressCodec.validate(body, { model: "gemini-2.5-flash" });
  return geminiIngressCodec.decodeRequest(validated, { model: "gemini-2.5-flash" }).value;
}

function results(body: Record<string, unknown>): ToolResultPart[] {
  return decode(body)
    .messages.flatMap((message) => message.content)
    .filter((part): part is ToolResultPart => part.type === "tool-result");
}

describe("Gemini function responses", () => {
  it("pair by id, then with the first unanswered call of the same name, then in order", () => {
    const request = decode({
      contents: [
        { role: "user", parts: [{ text: "weather?" }] },
        {
          role: "model",
          parts: [
            { functionCall: { id: "w1", name: "weather", args: {} } },
            { functionCall: { name: "weather", args: {} } },
            { functionCall: { name: "clock", args: {} } },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "weather", response: { result: "rainy" } } },
            { functionResponse: { id: "w1", name: "weather", response: { result: "sunny" } } },
            { functionResponse: { name: "time", response: { result: "noon" } } },
          ],
        },
      ],
    });
    const callIds = request.messages
      .flatMap((message) => message.content)
      .flatMap((part) => (part.type === "tool-call" ? [part.id] : []));
    const answered = request.messages
      .flatMap((message) => message.content)
      .flatMap((part) => (part.type === "tool-result" ? [[part.toolCallId, part.content]] : []));
    expect(callIds).toHaveLength(3);
    expect(answered).toEqual([
      [callIds[1], "rainy"],
      ["w1", "sunny"],
      [callIds[2], "noon"],
    ]);
  });

  it("read a response holding `error` as a tool error, and write a tool error back that way", () => {
    const [result] = results({
      contents: [
        { role: "model", parts: [{ functionCall: { id: "c1", name: "weather", args: {} } }] },
        {
          role: "user",
          parts: [{ functionResponse: { id: "c1", name: "weather", response: { error: { code: 404 } } } }],
        },
      ],
    });
    expect(result).toEqual({ type: "tool-result", toolCallId: "c1", content: '{"code":404}', isError: true });

    const { value } = geminiUpstreamCodec.encodeRequest({
      model: "gemini-2.5-flash",
      system: [],
      stream: false,
      messages: [
        { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "weather", arguments: "{}" }] },
        {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: "c1", content: "no city", isError: true }],
        },
      ],
    });
    const parts = (value.contents as Array<{ parts: Array<Record<string, unknown>> }>).flatMap(
      (content) => content.parts,
    );
    expect(parts.find((part) => part.functionResponse)).toEqual({
      functionResponse: { id: "c1", name: "weather", response: { error: "no city" } },
    });
  });
});

describe("Gemini thoughts in translated answers", () => {
  const answer: GenerateResponse = {
    id: "r1",
    model: "m",
    created: 0,
    usage: null,
    choices: [
      {
        index: 0,
        finishReason: "stop",
        rawFinishReason: "end_turn",
        content: [
          { type: "thinking", text: "hmm", signature: "s" },
          { type: "text", text: "Paris" },
        ],
      },
    ],
  };
  const partsOf = (encoded: unknown) =>
    (encoded as { candidates: Array<{ content: { parts: unknown[] } }> }).candidates[0]?.content.parts;

  it("are dropped unless the caller set thinkingConfig.includeThoughts", () => {
    expect(partsOf(geminiIngressCodec.encodeResponse(answer, { model: "m", body: {} }))).toEqual([
      { text: "Paris" },
    ]);
    const body = { generationConfig: { thinkingConfig: { includeThoughts: true } } };
    expect(partsOf(geminiIngressCodec.encodeResponse(answer, { model: "m", body }))).toEqual([
      { text: "hmm", thought: true, thoughtSignature: "s" },
      { text: "Paris" },
    ]);
  });

  it("are dropped from streams unless asked for", () => {
    const options = { id: "r1", model: "m", created: 0, includeUsage: true };
    const silent = geminiIngressCodec.createStreamEncoder({ ...options, body: {} });
    expect(silent.push({ type: "thinking-delta", index: 0, text: "hmm" })).toEqual([]);
    const asked = geminiIngressCodec.createStreamEncoder({
      ...options,
      body: { generationConfig: { thinkingConfig: { includeThoughts: true } } },
    });
    expect(asked.push({ type: "thinking-delta", index: 0, text: "hmm" })).toHaveLength(1);
  });
});
