/**
 * `POST /v1/chat/completions` of the fake OpenAI: minimal validation the way OpenAI words it, a
 * deterministic answer (an echo of the last user message, a forced tool call, or a replier's
 * reply), and that answer as a `chat.completion` or as `chat.completion.chunk` frames.
 */
import type { Exchange } from "../exchange.js";
import { isRecord, type RecordedRequest, type WireError } from "../fake-server.js";
import type { IdSource } from "../ids.js";
import type { SseFrame } from "../sse.js";
import { estimateTokens, splitFixed, splitWords, truncateToTokens } from "../tokens.js";
import { invalidRequest, invalidType, invalidValue, missingParameter } from "./errors.js";

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** What a chat completion answers; absent fields take the fake's defaults. */
export interface ChatReply {
  /** Absent: the echo of the last user message, or null when there are tool calls. */
  content?: string | null;
  toolCalls?: { id?: string; name: string; arguments: string }[];
  /** Absent: "tool_calls" when there are tool calls, else "stop". */
  finishReason?: FinishReason;
  /** Absent: estimated at about four characters per token. */
  usage?: { promptTokens: number; completionTokens: number; cachedTokens?: number; reasoningTokens?: number };
  /** Leave usage out entirely, as some OpenAI-compatible servers do (no `usage`, no usage chunk). */
  omitUsage?: boolean;
  refusal?: string | null;
}

export type Replier = (request: RecordedRequest) => ChatReply | Promise<ChatReply>;

/** The fake's own settings that chat answers depend on. */
export interface ChatContext {
  ids: IdSource;
  replier: Replier | undefined;
}

const DONE: SseFrame = { data: "[DONE]" };
const SYSTEM_FINGERPRINT = "fp_testkit";
// Tool-call arguments stream in pieces this long, roughly a token or two each.
const ARGUMENT_PIECE = 8;

interface ChatRequest {
  model: string;
  messages: unknown[];
  stream: boolean;
  includeUsage: boolean;
  n: number;
  maxTokens: number | undefined;
  /** The function tool_choice forces, if any. */
  forcedTool: string | undefined;
}

interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

interface Choice {
  content: string | null;
  refusal: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export async function chatCompletions(exchange: Exchange, context: ChatContext): Promise<void> {
  const parsed = parseChatRequest(exchange.request.body);
  if ("status" in parsed) return exchange.error(parsed);
  const reply: ChatReply =
    context.replier === undefined ? defaultReply(parsed) : await context.replier(exchange.request);
  const choices: Choice[] = [];
  for (let index = 0; index < parsed.n; index++) choices.push(choiceOf(reply, parsed, context.ids));
  const usage = usageOf(reply, parsed, choices);
  const id = context.ids.next("chatcmpl-");
  const created = Math.floor(exchange.request.receivedAt / 1000);
  if (parsed.stream)
    return exchange.stream(
      streamFrames(
        id,
        created,
        reply.omitUsage === true ? { ...parsed, includeUsage: false } : parsed,
        choices,
        usage,
      ),
      { done: DONE },
    );
  return exchange.json(200, {
    id,
    object: "chat.completion",
    created,
    model: parsed.model,
    choices: choices.map((choice, index) => ({
      index,
      message: {
        role: "assistant",
        content: choice.content,
        refusal: choice.refusal,
        ...(choice.toolCalls.length > 0
          ? {
              tool_calls: choice.toolCalls.map((call) => ({
                id: call.id,
                type: "function",
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
        annotations: [],
      },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    ...(reply.omitUsage === true ? {} : { usage }),
    service_tier: "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

function parseChatRequest(body: unknown): ChatRequest | WireError {
  if (!isRecord(body)) return invalidRequest("The request body must be a JSON object.");
  const { model, messages, stream } = body;
  if (model === undefined || model === null) return missingParameter("model");
  if (typeof model !== "string") return invalidType("model", "a string", model);
  if (messages === undefined || messages === null) return missingParameter("messages");
  if (!Array.isArray(messages)) return invalidType("messages", "an array of objects", messages);
  if (messages.length === 0) {
    return invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "messages",
      "empty_array",
    );
  }
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    return invalidType("stream", "a boolean", stream);
  }
  const n = optionalInteger(body, "n", 1, 128);
  if (typeof n !== "number" && n !== undefined) return n;
  const maxTokensName = body.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
  const maxTokens = optionalInteger(body, maxTokensName, 1, Number.MAX_SAFE_INTEGER);
  if (typeof maxTokens !== "number" && maxTokens !== undefined) return maxTokens;
  const streamOptions = body.stream_options;
  return {
    model,
    messages,
    stream: stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    n: n ?? 1,
    maxTokens,
    forcedTool: forcedTool(body.tools, body.tool_choice),
  };
}

function optionalInteger(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | WireError | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) return invalidType(name, "an integer", value);
  if (value < min)
    return invalidValue(
      name,
      `integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
    );
  if (value > max)
    return invalidValue(
      name,
      `integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
    );
  return value;
}

function forcedTool(tools: unknown, toolChoice: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  if (toolChoice === "required") {
    for (const tool of tools) {
      if (isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === "string") {
        return tool.function.name;
      }
    }
    return undefined;
  }
  if (isRecord(toolChoice) && toolChoice.type === "function" && isRecord(toolChoice.function)) {
    const name = toolChoice.function.name;
    return typeof name === "string" ? name : undefined;
  }
  return undefined;
}

function defaultReply(request: ChatRequest): ChatReply {
  if (request.forcedTool !== undefined) return { toolCalls: [{ name: request.forcedTool, arguments: "{}" }] };
  return { content: echo(request) };
}

/** "Echo: " and the text of the last user message. */
function echo(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (isRecord(message) && message.role === "user") return `Echo: ${contentText(message.content)}`;
  }
  return "Echo: ";
}

/** A message's text: string content, or its text parts concatenated. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (isRecord(part) && typeof part.text === "string") text += part.text;
  }
  return text;
}

function choiceOf(reply: ChatReply, request: ChatRequest, ids: IdSource): Choice {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: call.id ?? ids.next("call_"),
    name: call.name,
    arguments: call.arguments,
  }));
  let content = reply.content !== undefined ? reply.content : toolCalls.length > 0 ? null : echo(request);
  let finishReason = reply.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
  if (content !== null && request.maxTokens !== undefined && estimateTokens(content) > request.maxTokens) {
    content = truncateToTokens(content, request.maxTokens);
    finishReason = "length";
  }
  return { content, refusal: reply.refusal ?? null, toolCalls, finishReason };
}

function usageOf(reply: ChatReply, request: ChatRequest, choices: Choice[]): Usage {
  const given = reply.usage;
  let promptTokens: number;
  let completionTokens: number;
  if (given === undefined) {
    let promptText = 0;
    for (const message of request.messages) {
      if (isRecord(message)) promptText += contentText(message.content).length;
    }
    promptTokens = Math.max(1, Math.ceil(promptText / 4));
    completionTokens = 0;
    for (const choice of choices) {
      let text = (choice.content ?? "") + (choice.refusal ?? "");
      for (const call of choice.toolCalls) text += call.name + call.arguments;
      completionTokens += estimateTokens(text);
    }
  } else {
    promptTokens = given.promptTokens;
    completionTokens = given.completionTokens;
  }
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: given?.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: given?.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The chunks OpenAI sends for `choices`, in its order: role, text, tool calls, finish, usage. */
function streamFrames(
  id: string,
  created: number,
  request: ChatRequest,
  choices: Choice[],
  usage: Usage,
): SseFrame[] {
  const frames: SseFrame[] = [];
  const chunk = (chunkChoices: unknown[], chunkUsage?: Usage): SseFrame => ({
    data: JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model: request.model,
      service_tier: "default",
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: chunkChoices,
      // With include_usage, every chunk says `usage: null` until the last one carries it.
      ...(request.includeUsage ? { usage: chunkUsage ?? null } : {}),
    }),
  });
  const delta = (index: number, value: Record<string, unknown>, finishReason: FinishReason | null = null) =>
    chunk([{ index, delta: value, logprobs: null, finish_reason: finishReason }]);

  choices.forEach((choice, index) => {
    frames.push(
      delta(index, {
        role: "assistant",
        content: choice.content === null ? null : "",
        refusal: choice.refusal === null ? null : "",
      }),
    );
    for (const piece of splitWords(choice.refusal ?? "")) frames.push(delta(index, { refusal: piece }));
    for (const piece of splitWords(choice.content ?? "")) frames.push(delta(index, { content: piece }));
    choice.toolCalls.forEach((call, callIndex) => {
      frames.push(
        delta(index, {
          tool_calls: [
            { index: callIndex, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
          ],
        }),
      );
      for (const piece of splitFixed(call.arguments, ARGUMENT_PIECE)) {
        frames.push(delta(index, { tool_calls: [{ index: callIndex, function: { arguments: piece } }] }));
      }
    });
    frames.push(delta(index, {}, choice.finishReason));
  });
  if (request.includeUsage) frames.push(chunk([], usage));
  return frames;
}
