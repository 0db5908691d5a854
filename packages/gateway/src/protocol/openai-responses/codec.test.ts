import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.js";
import { responsesIngressCodec } from "./codec.js";

describe("OpenAI Responses codec", () => {
  it("decodes the documented input forms: a string, messages, function calls and their outputs", () => {
    const body = responsesIngressCodec.validate(
      {
        model: "gpt-4.1",
        instructions: "Be brief.",
        input: [
          { role: "developer", content: "Use metric units." },
          {
            role: "user",
            content: [
              { type: "input_text", text: "weather?" },
              { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
            ],
          },
          { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { type: "function_call", call_id: "call_2", name: "get_weather", arguments: '{"city":"Rome"}' },
          { type: "function_call_output", call_id: "call_1", output: "sunny" },
        ],
        tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: true }],
        tool_choice: { type: "function", name: "get_weather" },
        text: { format: { type: "json_schema", name: "w", schema: { type: "object" }, strict: true } },
        max_output_tokens: 50,
        reasoning: { effort: "low" },
      },
      {},
    );
    const { value } = responsesIngressCodec.decodeRequest(body, {});
    expect(value.system.map((part) => part.text)).toEqual(["Be brief.", "Use metric units."]);
    expect(value.messages).toHaveLength(3);
    expect(value.messages[1]?.content).toHaveLength(2); // both calls in one assistant turn
    expect(value.messages[2]).toEqual({
      role: "tool",
      content: [{ type: "tool-result", toolCallId: "call_1", content: "sunny" }],
    });
    expect(value.toolChoice).toEqual({ name: "get_weather" });
    expect(value.responseFormat).toEqual({
      type: "json_schema",
      name: "w",
      schema: { type: "object" },
      strict: true,
    });
    expect(value).toMatchObject({ maxTokens: 50, reasoningEffort: "low" });
  });

  it("accepts OpenAI-only features for pass-through, and refuses them by name when translating", () => {
    const continued = { model: "m", input: "x", previous_response_id: "resp_1", store: true };
    const searching = { model: "m", input: "x", tools: [{ type: "web_search" }] };
    expect(responsesIngressCodec.validate(continued, {})).toEqual(continued);
    expect(responsesIngressCodec.validate(searching, {})).toEqual(searching);
    expect(() => responsesIngressCodec.decodeRequest(continued, {})).toThrow(/previous_response_id/);
    expect(() => responsesIngressCodec.decodeRequest(searching, {})).toThrow(/tools\[0\]\.type/);
    expect(() =>
      responsesIngressCodec.validate({ model: "m", input: "x", tools: [{ type: "function" }] }, {}),
    ).toThrow(/tools\[0\]\.name/);
  });

  it("encodes a response with output items, status and usage", () => {
    const response = responsesIngressCodec.encodeResponse(
      {
        id: "chatcmpl-1",
        model: "gpt-4.1",
        created: 1730000000,
        choices: [
          {
            index: 0,
            content: [
              { type: "text", text: "Checking." },
              { type: "tool-call", id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
            ],
            finishReason: "length",
            rawFinishReason: "length",
          },
        ],
        usage: {
          promptTokens: 10,
          completionTokens: 5,
          totalTokens: 15,
          cachedTokens: 2,
          reasoningTokens: 1,
        },
      },
      { model: "gpt-4.1" },
    );
    expect(response).toMatchObject({
      object: "response",
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      output: [
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
      ],
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 1 },
        total_tokens: 15,
      },
    });
  });

  it("streams events named after their type with increasing sequence numbers", () => {
    const encoder = responsesIngressCodec.createStreamEncoder({
      id: "r1",
      model: "gpt-4.1",
      created: 1,
      includeUsage: true,
    });
    const out = [
      ...encoder.push({ type: "response-start", id: "x", model: "gpt-4.1", created: 1 }),
      ...encoder.push({ type: "text-delta", index: 0, text: "Hel" }),
      ...encoder.push({ type: "text-delta", index: 0, text: "lo" }),
      ...encoder.push({ type: "tool-call-start", index: 0, toolIndex: 0, id: "call_1", name: "f" }),
      ...encoder.push({ type: "tool-call-delta", index: 0, toolIndex: 0, argumentsDelta: "{}" }),
      ...encoder.push({ type: "finish", index: 0, finishReason: "tool_calls", rawFinishReason: null }),
      ...encoder.end(),
    ];
    const types = out.map((event) => (event.data as { type: string }).type);
    expect(out.map((event) => event.event)).toEqual(types);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(out.map((event) => (event.data as { sequence_number: number }).sequence_number)).toEqual(
      types.map((_, index) => index),
    );
    const failed = encoder.fail(new GatewayError("PROVIDER_ERROR", "boom", { status: 502 }));
    expect(failed[0]?.data).toMatchObject({ type: "error", code: "PROVIDER_ERROR", message: "boom" });
  });
});

describe("OpenAI Responses as an upstream protocol", () => {
  it("round-trips a request, a response and a stream through its own encoder", async () => {
    const { responsesUpstreamCodec } = await import("./upstream.js");
    const request = responsesIngressCodec.decodeRequest(
      responsesIngressCodec.validate(
        {
          model: "gpt-4.1",
          instructions: "Be brief.",
          input: [
            { role: "user", content: "weather?" },
            { type: "function_call", call_id: "call_1", name: "f", arguments: "{}" },
            { type: "function_call_output", call_id: "call_1", output: "sunny" },
          ],
          tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: false }],
        },
        {},
      ),
      {},
    ).value;
    const encoded = responsesUpstreamCodec.encodeRequest(request).value;
    expect(responsesIngressCodec.decodeRequest(encoded, {}).value).toEqual(request);

    const canonical = {
      id: "resp_1",
      model: "gpt-4.1",
      created: 5,
      choices: [
        {
          index: 0,
          content: [{ type: "tool-call" as const, id: "call_2", name: "f", arguments: '{"a":1}' }],
          finishReason: "tool_calls" as const,
          rawFinishReason: null,
        },
      ],
      usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7, cachedTokens: 1, reasoningTokens: 2 },
    };
    const decoded = responsesUpstreamCodec.decodeResponse(
      responsesIngressCodec.encodeResponse(canonical, { model: "gpt-4.1" }),
    );
    expect(decoded.choices[0]?.content).toEqual(canonical.choices[0]?.content);
    expect(decoded.choices[0]?.finishReason).toBe("tool_calls");
    expect(decoded.usage).toEqual(canonical.usage);

    const encoder = responsesIngressCodec.createStreamEncoder({
      id: "r",
      model: "gpt-4.1",
      created: 1,
      includeUsage: true,
    });
    const decoder = responsesUpstreamCodec.createStreamDecoder();
    const input = [
      { type: "response-start" as const, id: "r", model: "gpt-4.1", created: 1 },
      { type: "text-delta" as const, index: 0, text: "Hi" },
      { type: "finish" as const, index: 0, finishReason: "stop" as const, rawFinishReason: null },
      { type: "usage" as const, usage: canonical.usage },
    ];
    const frames = [...input.flatMap((event) => encoder.push(event)), ...encoder.end()];
    const events = frames.flatMap((frame) => decoder.push({ event: frame.event, data: frame.data }));
    expect(events.filter((event) => event.type !== "response-start")).toEqual([
      { type: "text-delta", index: 0, text: "Hi" },
      { type: "finish", index: 0, finishReason: "stop", rawFinishReason: "completed" },
      { type: "usage", usage: canonical.usage },
    ]);
  });
});
