/**
 * The Responses API as an upstream protocol: canonical request -> Responses request, and a
 * Response or its stream events -> canonical. OpenAI declares it: a Responses caller is passed
 * through to OpenAI's `/responses` as it came; the decoders here also tap that pass-through for
 * usage and the finish.
 */
import type { ContentPart, GenerateRequest, GenerateResponse, StreamEvent } from "../../canonical/types.js";
import type { StreamDecoder, UpstreamCodec } from "../codec.js";
import { parseChatError } from "../openai-chat/errors.js";
import { isObject, type JsonObject } from "../shared/validation.js";
import { responsesWire } from "./wire.js";

export function encodeResponsesRequest(request: GenerateRequest): { value: JsonObject; warnings: string[] } {
  const warnings: string[] = [];
  const input: JsonObject[] = [];
  for (const message of request.messages) {
    if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue;
        const output =
          typeof part.content === "string"
            ? part.content
            : part.content.map((inner) => (inner.type === "text" ? inner.text : "")).join("");
        input.push({ type: "function_call_output", call_id: part.toolCallId, output });
      }
      continue;
    }
    const content: JsonObject[] = [];
    for (const part of message.content) {
      if (part.type === "text")
        content.push({ type: message.role === "assistant" ? "output_text" : "input_text", text: part.text });
      else if (part.type === "image") {
        const url =
          part.source.kind === "url"
            ? part.source.url
            : `data:${part.source.mediaType};base64,${part.source.data}`;
        content.push({ type: "input_image", image_url: url, detail: part.detail ?? "auto" });
      } else if (part.type === "tool-call") {
        input.push({ type: "function_call", call_id: part.id, name: part.name, arguments: part.arguments });
      } else if (part.type === "thinking")
        warnings.push("thinking is not sent back through the Responses API; dropped");
    }
    if (content.length > 0)
      input.push({ type: "message", role: message.role === "assistant" ? "assistant" : "user", content });
  }
  const body: JsonObject = { model: request.model, input, store: false };
  if (request.system.length > 0) body.instructions = request.system.map((part) => part.text).join("\n\n");
  if (request.stream) body.stream = true;
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.user !== undefined) body.user = request.user;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.reasoningEffort !== undefined) body.reasoning = { effort: request.reasoningEffort };
  if (request.stop !== undefined)
    warnings.push("stop sequences are not supported by the Responses API; dropped");
  if (request.tools) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.parameters ?? { type: "object", properties: {} },
      strict: tool.strict ?? false,
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === "string"
        ? request.toolChoice
        : { type: "function", name: request.toolChoice.name };
  }
  const format = request.responseFormat;
  if (format && format.type !== "text") {
    body.text = {
      format:
        format.type === "json_schema"
          ? {
              type: "json_schema",
              name: format.name,
              schema: format.schema,
              ...(format.strict === undefined ? {} : { strict: format.strict }),
            }
          : { type: "json_object" },
    };
  }
  return { value: body, warnings };
}

function usageOf(usage: unknown): GenerateResponse["usage"] {
  if (!isObject(usage)) return null;
  const prompt = Number(usage.input_tokens ?? 0);
  const completion = Number(usage.output_tokens ?? 0);
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: Number(usage.total_tokens ?? prompt + completion),
    cachedTokens: Number(
      isObject(usage.input_tokens_details) ? (usage.input_tokens_details.cached_tokens ?? 0) : 0,
    ),
    reasoningTokens: Number(
      isObject(usage.output_tokens_details) ? (usage.output_tokens_details.reasoning_tokens ?? 0) : 0,
    ),
  };
}

function finishOf(response: JsonObject, hasCalls: boolean) {
  if (response.status === "incomplete") {
    const reason = isObject(response.incomplete_details) ? response.incomplete_details.reason : null;
    return reason === "content_filter" ? ("content_filter" as const) : ("length" as const);
  }
  return hasCalls ? ("tool_calls" as const) : ("stop" as const);
}

export function decodeResponsesResponse(body: unknown): GenerateResponse {
  const response = isObject(body) ? body : {};
  const content: ContentPart[] = [];
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (!isObject(item)) continue;
    if (item.type === "message" && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isObject(part) && part.type === "output_text")
          content.push({ type: "text", text: String(part.text ?? "") });
      }
    } else if (item.type === "function_call") {
      content.push({
        type: "tool-call",
        id: String(item.call_id ?? ""),
        name: String(item.name ?? ""),
        arguments: String(item.arguments ?? ""),
      });
    }
  }
  const hasCalls = content.some((part) => part.type === "tool-call");
  const finish = finishOf(response, hasCalls);
  return {
    id: String(response.id ?? ""),
    model: String(response.model ?? ""),
    created: Number(response.created_at ?? 0),
    choices: [{ index: 0, content, finishReason: finish, rawFinishReason: String(response.status ?? "") }],
    usage: usageOf(response.usage),
  };
}

export function createResponsesStreamDecoder(): StreamDecoder {
  const toolIndexOfItem = new Map<string, number>();
  let hasCalls = false;
  return {
    push({ data }) {
      if (!isObject(data)) return [];
      const events: StreamEvent[] = [];
      switch (data.type) {
        case "response.created": {
          const response = isObject(data.response) ? data.response : {};
          events.push({
            type: "response-start",
            id: String(response.id ?? ""),
            model: String(response.model ?? ""),
            created: Number(response.created_at ?? 0),
          });
          break;
        }
        case "response.output_text.delta":
          events.push({ type: "text-delta", index: 0, text: String(data.delta ?? "") });
          break;
        case "response.output_item.added": {
          const item = isObject(data.item) ? data.item : {};
          if (item.type === "function_call") {
            hasCalls = true;
            const toolIndex = toolIndexOfItem.size;
            toolIndexOfItem.set(String(item.id ?? ""), toolIndex);
            events.push({
              type: "tool-call-start",
              index: 0,
              toolIndex,
              id: String(item.call_id ?? ""),
              name: String(item.name ?? ""),
            });
          }
          break;
        }
        case "response.function_call_arguments.delta": {
          const toolIndex = toolIndexOfItem.get(String(data.item_id ?? ""));
          if (toolIndex !== undefined)
            events.push({
              type: "tool-call-delta",
              index: 0,
              toolIndex,
              argumentsDelta: String(data.delta ?? ""),
            });
          break;
        }
        case "response.output_item.done": {
          const item = isObject(data.item) ? data.item : {};
          const toolIndex = toolIndexOfItem.get(String(item.id ?? ""));
          if (toolIndex !== undefined) events.push({ type: "tool-call-end", index: 0, toolIndex });
          break;
        }
        case "response.completed":
        case "response.incomplete": {
          const response = isObject(data.response) ? data.response : {};
          events.push({
            type: "finish",
            index: 0,
            finishReason: finishOf(response, hasCalls),
            rawFinishReason: String(response.status ?? ""),
          });
          const usage = usageOf(response.usage);
          if (usage) events.push({ type: "usage", usage });
          break;
        }
        case "response.failed":
        case "error": {
          const error = isObject(data.response) && isObject(data.response.error) ? data.response.error : data;
          events.push({
            type: "error",
            message: String(error.message ?? "upstream stream error"),
            errorType: "server_error",
            code: typeof error.code === "string" ? error.code : null,
          });
          break;
        }
        default:
          break;
      }
      return events;
    },
    end: () => [],
  };
}

export const responsesUpstreamCodec: UpstreamCodec = {
  encodeRequest: encodeResponsesRequest,
  decodeResponse: decodeResponsesResponse,
  createStreamDecoder: createResponsesStreamDecoder,
  parseError: parseChatError,
  wire: responsesWire,
};
