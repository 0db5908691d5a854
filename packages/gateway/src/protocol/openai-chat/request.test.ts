import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.js";
import { decodeChatRequest, encodeChatRequest } from "./request.js";
import { decodeChatResponse, encodeChatResponse } from "./response.js";
import type { ChatCompletion, ChatRequest } from "./types.js";
import { validateChatRequest } from "./validate-request.js";

const request: ChatRequest = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "Be brief." },
    {
      role: "user",
      content: [
        { type: "text", text: "What is in this image?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }],
    },
    { role: "tool", tool_call_id: "call_1", content: "found" },
  ],
  temperature: 0,
  top_p: 1,
  seed: 7,
  stop: "END",
  max_tokens: 100,
  tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
  tool_choice: { type: "function", function: { name: "lookup" } },
  response_format: {
    type: "json_schema",
    json_schema: { name: "answer", schema: { type: "object" }, strict: true },
  },
  stream: true,
  stream_options: { include_usage: true },
};

describe("OpenAI chat request codec", () => {
  it("decodes into the canonical model, keeping meaningful zeros", () => {
    const { value, warnings } = decodeChatRequest(request);
    expect(warnings).toEqual([]);
    expect(value.system).toEqual([{ type: "text", text: "Be brief." }]);
    expect(value.messages[0]?.content[1]).toEqual({
      type: "image",
      source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" },
      detail: "low",
    });
    expect(value.messages[1]?.content).toEqual([
      { type: "tool-call", id: "call_1", name: "lookup", arguments: '{"q":"x"}' },
    ]);
    expect(value.messages[2]).toEqual({
      role: "tool",
      content: [{ type: "tool-result", toolCallId: "call_1", content: "found" }],
    });
    expect(value).toMatchObject({
      temperature: 0,
      topP: 1,
      seed: 7,
      stop: ["END"],
      maxTokens: 100,
      stream: true,
      streamUsage: true,
    });
    expect(value.toolChoice).toEqual({ name: "lookup" });
    expect(value.responseFormat).toEqual({
      type: "json_schema",
      name: "answer",
      schema: { type: "object" },
      strict: true,
    });
  });

  it("encodes back to an equivalent request", () => {
    const { value } = decodeChatRequest(request);
    const encoded = encodeChatRequest(value).value;
    expect(encoded.messages).toEqual([
      { role: "system", content: "Be brief." },
      request.messages[1],
      request.messages[2],
      request.messages[3],
    ]);
    expect(decodeChatRequest(encoded).value).toEqual(value);
  });

  it("round-trips a response with tool calls and usage details", () => {
    const completion: ChatCompletion = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [{ id: "call_9", type: "function", function: { name: "f", arguments: "{}" } }],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    };
    const decoded = decodeChatResponse(completion);
    expect(decoded.usage).toEqual({
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      cachedTokens: 4,
      reasoningTokens: 2,
    });
    expect(decodeChatResponse(encodeChatResponse(decoded))).toEqual(decoded);
  });

  it("validates with errors that name the field", () => {
    const bad = (body: unknown) => {
      try {
        validateChatRequest(body);
      } catch (error) {
        return error instanceof GatewayError ? { param: error.param, message: error.message } : undefined;
      }
      return undefined;
    };
    expect(bad({ model: "m", messages: [{ role: "user", content: "x" }] })).toBeUndefined();
    expect(bad({ model: "m", messages: [{ role: "tool", content: "x" }] })?.param).toBe(
      "messages[0].tool_call_id",
    );
    expect(bad({ model: "m", messages: [{ role: "user", content: "x" }], n: 0 })?.param).toBe("n");
    expect(bad({ model: "m", messages: [{ role: "user", content: "x" }], stop: [1] })?.param).toBe("stop");
    expect(bad({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{}] })?.param).toBe(
      "tools[0].function",
    );
    expect(
      bad({ model: "m", messages: [{ role: "user", content: "x" }], stream_options: { include_usage: "y" } })
        ?.param,
    ).toBe("stream_options.include_usage");
    expect(bad({ model: "", messages: [] })?.param).toBe("model");
  });
});
