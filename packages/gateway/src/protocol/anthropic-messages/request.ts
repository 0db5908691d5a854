/**
 * Anthropic Messages request <-> canonical request. Pure: the body must have passed
 * `validateMessagesRequest`. What cannot be carried is dropped with a warning.
 */

import { toolArgumentsValue } from "../../canonical/parts.js";
import type {
  ContentPart,
  GenerateRequest,
  ImagePart,
  Message,
  TextPart,
  ToolChoice,
  ToolResultPart,
  WithWarnings,
} from "../../canonical/types.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { decodeBlock, imagePart, textPart } from "./blocks.js";
import { applyResponseFormat, decodeOutputFormat } from "./structured-output.js";
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicToolChoice,
} from "./types.js";

/** Anthropic requires max_tokens; OpenAI and Gemini callers may leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Thinking budgets for OpenAI-style reasoning efforts, and back. */
const EFFORT_BUDGETS: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 24576 };

export function decodeMessagesRequest(body: AnthropicRequest): WithWarnings<GenerateRequest> {
  const warnings: string[] = [];
  const system: TextPart[] =
    typeof body.system === "string"
      ? [{ type: "text", text: body.system }]
      : (body.system ?? []).map((block) => textPart(block));
  const messages: Message[] = [];
  for (const message of body.messages) messages.push(...decodeMessage(message, warnings));
  const request: GenerateRequest = { model: body.model, system, messages, stream: body.stream === true };
  if (typeof body.max_tokens === "number") request.maxTokens = body.max_tokens;
  if (typeof body.temperature === "number") request.temperature = body.temperature;
  if (typeof body.top_p === "number") request.topP = body.top_p;
  if (typeof body.top_k === "number") request.topK = body.top_k;
  if (Array.isArray(body.stop_sequences)) request.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === "string") request.user = body.metadata.user_id;
  if (Array.isArray(body.tools)) {
    request.tools = [];
    for (const tool of body.tools) {
      if (tool.type !== undefined && tool.type !== "custom") {
        warnings.push(`server tool '${tool.name}' (${tool.type}) is only available on Anthropic; dropped`);
        continue;
      }
      const definition: NonNullable<GenerateRequest["tools"]>[number] = { name: tool.name };
      if (tool.description !== undefined) definition.description = tool.description;
      if (tool.input_schema !== undefined) definition.parameters = tool.input_schema;
      request.tools.push(definition);
    }
  }
  if (body.tool_choice) {
    request.toolChoice = decodeToolChoice(body.tool_choice);
    if (
      "disable_parallel_tool_use" in body.tool_choice &&
      body.tool_choice.disable_parallel_tool_use === true
    ) {
      request.parallelToolCalls = false;
    }
  }
  const format = decodeOutputFormat(body.output_config);
  if (format) request.responseFormat = format;
  if (body.thinking?.type === "enabled") {
    const budget = body.thinking.budget_tokens;
    request.reasoningEffort = budget <= 2048 ? "low" : budget <= 8192 ? "medium" : "high";
  }
  return { value: request, warnings };
}

/** Tool results travel in user messages on Anthropic; canonically they are `tool` messages. */
function decodeMessage(message: AnthropicMessage, warnings: string[]): Message[] {
  const blocks: AnthropicContentBlock[] =
    typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
  const results: ToolResultPart[] = [];
  const content: ContentPart[] = [];
  for (const block of blocks) {
    if (block.type === "tool_result") {
      const result: ToolResultPart = {
        type: "tool-result",
        toolCallId: block.tool_use_id,
        content:
          typeof block.content === "string"
            ? block.content
            : (block.content ?? []).map((inner) =>
                inner.type === "text" ? textPart(inner) : imagePart(inner),
              ),
      };
      if (block.is_error === true) result.isError = true;
      results.push(result);
      continue;
    }
    const part = decodeBlock(block);
    if (part) content.push(part);
    else warnings.push(`content block of type '${(block as { type: string }).type}' is not carried`);
  }
  const decoded: Message[] = [];
  if (results.length > 0) decoded.push({ role: "tool", content: results });
  if (content.length > 0 || results.length === 0) decoded.push({ role: message.role, content });
  return decoded;
}

function decodeToolChoice(choice: AnthropicToolChoice): ToolChoice {
  switch (choice.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      return { name: choice.name };
  }
}

export function encodeMessagesRequest(request: GenerateRequest): WithWarnings<AnthropicRequest> {
  const warnings: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of request.messages) {
    const role = message.role === "assistant" ? "assistant" : "user";
    const blocks = encodeContent(message, warnings);
    if (blocks.length === 0) continue;
    const previous = messages.at(-1);
    // Anthropic wants alternating roles: consecutive messages of one role become one.
    if (previous && previous.role === role && Array.isArray(previous.content))
      previous.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  let maxTokens = request.maxTokens;
  if (maxTokens === undefined) {
    maxTokens = DEFAULT_MAX_TOKENS;
    warnings.push(`max_tokens is required by Anthropic; ${DEFAULT_MAX_TOKENS} was sent`);
  }
  const body: AnthropicRequest = { model: request.model, max_tokens: maxTokens, messages };
  const system = [...request.system];
  if (system.length > 0) {
    body.system = system.some((part) => part.cacheControl !== undefined)
      ? system.map((part) => encodeText(part))
      : system.map((part) => part.text).join("\n\n");
  }
  if (request.stream) body.stream = true;
  if (request.temperature !== undefined) {
    if (request.temperature > 1) warnings.push("temperature above 1 is clamped to Anthropic's maximum of 1");
    body.temperature = Math.min(1, request.temperature);
  }
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.stop !== undefined) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.seed !== undefined) warnings.push("seed is not supported by Anthropic; dropped");
  if (request.presencePenalty !== undefined || request.frequencyPenalty !== undefined) {
    warnings.push("presence/frequency penalties are not supported by Anthropic; dropped");
  }
  if (request.n !== undefined && request.n > 1) {
    // One answer where several were asked for would look like success: refuse instead.
    throw new GatewayError(
      "BAD_REQUEST",
      `n (candidateCount) is ${request.n}, but Anthropic returns one answer per request; send n: 1 or route to a provider that returns several.`,
      { param: "n" },
    );
  }
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => {
      const encoded: NonNullable<AnthropicRequest["tools"]>[number] = {
        name: tool.name,
        input_schema: tool.parameters ?? { type: "object", properties: {} },
      };
      if (tool.description !== undefined) encoded.description = tool.description;
      return encoded;
    });
  }
  const choice = encodeToolChoice(request.toolChoice, request.parallelToolCalls);
  if (choice && body.tools) body.tool_choice = choice;
  if (request.reasoningEffort !== undefined && request.reasoningEffort !== "none") {
    const budget = EFFORT_BUDGETS[request.reasoningEffort] ?? EFFORT_BUDGETS.medium ?? 8192;
    body.thinking = { type: "enabled", budget_tokens: budget };
    // The budget counts against max_tokens, which must stay above it.
    if (body.max_tokens <= budget) body.max_tokens = budget + body.max_tokens;
    if (body.temperature !== undefined && body.temperature !== 1) {
      warnings.push("temperature is not allowed with Anthropic thinking; dropped");
      delete body.temperature;
    }
  }
  warnings.push(...applyResponseFormat(body, request.responseFormat));
  return { value: body, warnings };
}

function encodeText(part: TextPart): AnthropicTextBlock {
  const block: AnthropicTextBlock = { type: "text", text: part.text };
  if (part.cacheControl !== undefined) block.cache_control = part.cacheControl;
  return block;
}

function encodeImage(part: ImagePart): AnthropicImageBlock {
  return part.source.kind === "url"
    ? { type: "image", source: { type: "url", url: part.source.url } }
    : {
        type: "image",
        source: { type: "base64", media_type: part.source.mediaType, data: part.source.data },
      };
}

function encodeContent(message: Message, warnings: string[]): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  for (const part of message.content) {
    switch (part.type) {
      case "text":
        if (part.text !== "" || part.cacheControl !== undefined) blocks.push(encodeText(part));
        break;
      case "image":
        blocks.push(encodeImage(part));
        break;
      case "tool-call":
        blocks.push({
          type: "tool_use",
          id: part.id,
          name: part.name,
          input: toolArgumentsValue(part.arguments, warnings),
        });
        break;
      case "tool-result": {
        const block: AnthropicContentBlock = {
          type: "tool_result",
          tool_use_id: part.toolCallId,
          content:
            typeof part.content === "string"
              ? part.content
              : part.content.map((inner) => (inner.type === "text" ? encodeText(inner) : encodeImage(inner))),
        };
        if (part.isError === true) block.is_error = true;
        blocks.push(block);
        break;
      }
      case "thinking":
        // Anthropic accepts earlier thinking back only with its own signature.
        if (part.redacted === true && part.signature)
          blocks.push({ type: "redacted_thinking", data: part.signature });
        else if (part.signature)
          blocks.push({ type: "thinking", thinking: part.text, signature: part.signature });
        else
          warnings.push("thinking without an Anthropic signature cannot be sent back to Anthropic; dropped");
        break;
    }
  }
  return blocks;
}

function encodeToolChoice(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined,
): AnthropicToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: "auto", ...disable } : undefined;
  if (choice === "none") return { type: "none" };
  if (choice === "auto") return { type: "auto", ...disable };
  if (choice === "required") return { type: "any", ...disable };
  return { type: "tool", name: choice.name, ...disable };
}
