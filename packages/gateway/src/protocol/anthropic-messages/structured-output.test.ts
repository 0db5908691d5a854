import { describe, expect, it } from "vitest";
import type { GenerateRequest, StreamEvent } from "../../canonical/types.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { anthropicIngressCodec, anthropicUpstreamCodec } from "./codec.js";

const schema = {
  type: "object",
  properties: { city: { type: "string" } },
  required: ["city"],
  additionalProperties: false,
};

function request(extra: Partial<GenerateRequest>): GenerateRequest {
  return {
    model: "claude-sonnet-4-6",
    system: [],
    messages: [{ role: "user", content: [{ type: "text", text: "capital of France?" }] }],
    maxTokens: 100,
    stream: false,
    ...extra,
  };
}

describe("Anthropic JSON answers", () => {
  it("sends a JSON schema as output_config.format, with no instruction in the system prompt", () => {
    const { value, warnings } = anthropicUpstreamCodec.encodeRequest(
      request({ responseFormat: { type: "json_schema", name: "city", schema, strict: true } }),
    );
    expect(value.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(value.system).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("reads an Anthropic caller's output_config.format as a JSON-schema response format", () => {
    const body = anthropicIngressCodec.validate(
      {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
        output_config: { format: { type: "json_schema", schema } },
      },
      {},
    );
    expect(anthropicIngressCodec.decodeRequest(body, {}).value.responseFormat).toEqual({
      type: "json_schema",
      name: "response",
      schema,
    });
  });

  it("forces the JSON tool for JSON mode, and falls back to the instruction when the caller has tools", () => {
    const forced = anthropicUpstreamCodec.encodeRequest(request({ responseFormat: { type: "json_object" } }));
    expect(forced.value.tool_choice).toEqual({ type: "tool", name: "json_answer" });
    expect(forced.value.tools).toEqual([expect.objectContaining({ name: "json_answer" })]);

    const withTools = anthropicUpstreamCodec.encodeRequest(
      request({ responseFormat: { type: "json_object" }, tools: [{ name: "weather" }] }),
    );
    expect(withTools.value.tool_choice).toBeUndefined();
    expect(String(withTools.value.system)).toContain("JSON");
    expect(withTools.warnings.join()).toContain("system instruction");
  });

  it("gives the forced tool's call back as the answer's text with finish reason stop", () => {
    const decoded = anthropicUpstreamCodec.decodeResponse({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [{ type: "tool_use", id: "toolu_1", name: "json_answer", input: { city: "Paris" } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 5 },
    });
    expect(decoded.choices[0]).toMatchObject({
      content: [{ type: "text", text: '{"city":"Paris"}' }],
      finishReason: "stop",
    });
  });

  it("streams the forced tool's input as text deltas", () => {
    const decoder = anthropicUpstreamCodec.createStreamDecoder();
    const frames = [
      {
        type: "message_start",
        message: { id: "msg_1", model: "claude-sonnet-4-6", usage: { input_tokens: 5 } },
      },
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: "toolu_1", name: "json_answer", input: {} },
      },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"city"' } },
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: ':"Paris"}' },
      },
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 5 } },
    ];
    const events: StreamEvent[] = frames.flatMap((data) => decoder.push({ event: data.type, data }));
    expect(events.some((event) => event.type.startsWith("tool-call"))).toBe(false);
    const text = events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
    expect(text).toBe('{"city":"Paris"}');
    expect(events.find((event) => event.type === "finish")).toMatchObject({ finishReason: "stop" });
  });

  it("refuses n > 1, naming n", () => {
    const attempt = () => anthropicUpstreamCodec.encodeRequest(request({ n: 2 }));
    expect(attempt).toThrow(GatewayError);
    expect(attempt).toThrow(expect.objectContaining({ param: "n", status: 400 }));
  });
});
