/**
 * OpenAI Chat Completions request <-> canonical request. Pure: the body must have passed
 * `validateChatRequest`.
 */

import { imageSourceOf, toolResultText } from "../../canonical/parts.js";
import type {
  ContentPart,
  GenerateRequest,
  ImagePart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  WithWarnings,
} from "../../canonical/types.js";
import type { ChatContentPart, ChatMessage, ChatRequest, ChatTool, ChatToolChoice } from "./types.js";

export function decodeChatRequest(body: ChatRequest): WithWarnings<GenerateRequest> {
  const warnings: string[] = [];
  const system: TextPart[] = [];
  const messages: Message[] = [];
  for (const message of body.messages) {
    if (message.role === "system" || message.role === "developer") {
      system.push(...textParts(message.content, warnings));
      continue;
    }
    messages.push(decodeMessage(message, warnings));
  }
  const request: GenerateRequest = { model: body.model, system, messages, stream: body.stream === true };
  if (body.stream === true) request.streamUsage = body.stream_options?.include_usage === true;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === "number") request.maxTokens = maxTokens;
  if (typeof body.temperature === "number") request.temperature = body.temperature;
  if (typeof body.top_p === "number") request.topP = body.top_p;
  if (typeof body.seed === "number") request.seed = body.seed;
  if (typeof body.n === "number") request.n = body.n;
  if (typeof body.presence_penalty === "number") request.presencePenalty = body.presence_penalty;
  if (typeof body.frequency_penalty === "number") request.frequencyPenalty = body.frequency_penalty;
  if (typeof body.stop === "string") request.stop = [body.stop];
  else if (Array.isArray(body.stop)) request.stop = body.stop;
  if (typeof body.user === "string") request.user = body.user;
  if (typeof body.reasoning_effort === "string") request.reasoningEffort = body.reasoning_effort;
  if (typeof body.parallel_tool_calls === "boolean") request.parallelToolCalls = body.parallel_tool_calls;
  if (Array.isArray(body.tools)) {
    request.tools = body.tools.map((tool) => {
      const definition: NonNullable<GenerateRequest["tools"]>[number] = { name: tool.function.name };
      if (tool.function.description !== undefined) definition.description = tool.function.description;
      if (tool.function.parameters !== undefined) definition.parameters = tool.function.parameters;
      if (typeof tool.function.strict === "boolean") definition.strict = tool.function.strict;
      return definition;
    });
  }
  if (body.tool_choice !== undefined) request.toolChoice = decodeToolChoice(body.tool_choice);
  const format = decodeResponseFormat(body.response_format);
  if (format) request.responseFormat = format;
  return { value: request, warnings };
}

function decodeMessage(message: ChatMessage, warnings: string[]): Message {
  if (message.role === "tool") {
    return {
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: message.tool_call_id ?? "",
          content:
            typeof message.content === "string" ? message.content : textParts(message.content, warnings),
        },
      ],
    };
  }
  const content: ContentPart[] = [];
  if (message.role === "assistant" && typeof message.reasoning_content === "string") {
    content.push({ type: "thinking", text: message.reasoning_content });
  }
  content.push(...contentParts(message.content, warnings));
  for (const call of message.tool_calls ?? []) {
    content.push({
      type: "tool-call",
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    });
  }
  const role = message.role === "function" ? "tool" : message.role;
  const decoded: Message = {
    role: role === "assistant" ? "assistant" : role === "tool" ? "tool" : "user",
    content,
  };
  if (message.name !== undefined) decoded.name = message.name;
  return decoded;
}

function textParts(content: ChatMessage["content"], warnings: string[]): TextPart[] {
  return contentParts(content, warnings).filter((part): part is TextPart => part.type === "text");
}

function contentParts(content: ChatMessage["content"], warnings: string[]): Array<TextPart | ImagePart> {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  const parts: Array<TextPart | ImagePart> = [];
  for (const part of content) {
    const decoded = decodePart(part);
    if (decoded) parts.push(decoded);
    else warnings.push(`content part of type '${part.type}' is not carried`);
  }
  return parts;
}

function decodePart(part: ChatContentPart): TextPart | ImagePart | undefined {
  if (part.type === "text" && typeof part.text === "string") return { type: "text", text: part.text };
  if (part.type === "image_url" && typeof part.image_url === "object" && part.image_url !== null) {
    const imageUrl = part.image_url as { url: string; detail?: "auto" | "low" | "high" };
    const image: ImagePart = { type: "image", source: imageSourceOf(imageUrl.url) };
    if (imageUrl.detail !== undefined) image.detail = imageUrl.detail;
    return image;
  }
  return undefined;
}

function decodeToolChoice(choice: ChatToolChoice): ToolChoice {
  if (typeof choice === "string") return choice;
  return { name: choice.function.name };
}

function decodeResponseFormat(format: ChatRequest["response_format"]): ResponseFormat | undefined {
  if (!format) return undefined;
  if (format.type === "json_schema") {
    const decoded: ResponseFormat = {
      type: "json_schema",
      name: format.json_schema.name,
      schema: format.json_schema.schema ?? {},
    };
    if (typeof format.json_schema.strict === "boolean") decoded.strict = format.json_schema.strict;
    if (format.json_schema.description !== undefined) decoded.description = format.json_schema.description;
    return decoded;
  }
  return { type: format.type };
}

export function encodeChatRequest(request: GenerateRequest): WithWarnings<ChatRequest> {
  const warnings: string[] = [];
  const messages: ChatMessage[] = [];
  if (request.system.length > 0) {
    messages.push({ role: "system", content: request.system.map((part) => part.text).join("\n\n") });
  }
  for (const message of request.messages) messages.push(...encodeMessage(message, warnings));
  const body: ChatRequest = { model: request.model, messages };
  if (request.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) warnings.push("top_k is not supported by OpenAI Chat Completions; dropped");
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.n !== undefined) body.n = request.n;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.user !== undefined) body.user = request.user;
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.tools) {
    body.tools = request.tools.map((tool): ChatTool => {
      const fn: ChatTool["function"] = { name: tool.name };
      if (tool.description !== undefined) fn.description = tool.description;
      if (tool.parameters !== undefined) fn.parameters = tool.parameters;
      if (tool.strict !== undefined) fn.strict = tool.strict;
      return { type: "function", function: fn };
    });
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === "string"
        ? request.toolChoice
        : { type: "function", function: { name: request.toolChoice.name } };
  }
  if (request.responseFormat) {
    const format = request.responseFormat;
    if (format.type === "json_schema") {
      const schema: {
        name: string;
        schema: Record<string, unknown>;
        strict?: boolean;
        description?: string;
      } = {
        name: format.name,
        schema: format.schema,
      };
      if (format.strict !== undefined) schema.strict = format.strict;
      if (format.description !== undefined) schema.description = format.description;
      body.response_format = { type: "json_schema", json_schema: schema };
    } else {
      body.response_format = { type: format.type };
    }
  }
  return { value: body, warnings };
}

function encodeMessage(message: Message, warnings: string[]): ChatMessage[] {
  if (message.role === "tool" || message.content.some((part) => part.type === "tool-result")) {
    const results: ChatMessage[] = [];
    for (const part of message.content) {
      if (part.type !== "tool-result") continue;
      // OpenAI has no error flag on a tool message: the content, which states the error, goes as is.
      if (part.isError === true)
        warnings.push("a tool result's error flag has no OpenAI equivalent; its content is sent as is");
      results.push({ role: "tool", tool_call_id: part.toolCallId, content: toolResultText(part.content) });
    }
    const rest = message.content.filter((part) => part.type !== "tool-result");
    if (rest.length > 0) results.push(...encodeMessage({ role: "user", content: rest }, warnings));
    return results;
  }
  const parts: ChatContentPart[] = [];
  const toolCalls: ChatMessage["tool_calls"] = [];
  let reasoning = "";
  for (const part of message.content) {
    switch (part.type) {
      case "text":
        parts.push({ type: "text", text: part.text });
        break;
      case "image": {
        const url =
          part.source.kind === "url"
            ? part.source.url
            : `data:${part.source.mediaType};base64,${part.source.data}`;
        const imageUrl: { url: string; detail?: "auto" | "low" | "high" } = { url };
        if (part.detail !== undefined) imageUrl.detail = part.detail;
        parts.push({ type: "image_url", image_url: imageUrl });
        break;
      }
      case "tool-call":
        toolCalls.push({
          id: part.id,
          type: "function",
          function: { name: part.name, arguments: part.arguments },
        });
        break;
      case "thinking":
        reasoning += part.text;
        break;
      case "tool-result":
        break;
    }
  }
  const role = message.role === "assistant" ? "assistant" : "user";
  const onlyText = parts.every((part) => part.type === "text");
  const content: ChatMessage["content"] =
    parts.length === 0
      ? role === "assistant"
        ? null
        : ""
      : onlyText
        ? parts.map((part) => (part as { text: string }).text).join("")
        : parts;
  const encoded: ChatMessage = { role, content };
  if (toolCalls.length > 0) encoded.tool_calls = toolCalls;
  if (reasoning !== "") warnings.push("assistant thinking is not sent to OpenAI Chat Completions; dropped");
  if (message.name !== undefined) encoded.name = message.name;
  return [encoded];
}
