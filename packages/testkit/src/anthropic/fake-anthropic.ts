/**
 * A fake Anthropic Messages API on a real port, faithful to Anthropic's wire format: the message
 * object, the SSE event sequence (message_start, content_block_start, ping, content_block_delta
 * with text_delta / input_json_delta / thinking_delta, content_block_stop, message_delta,
 * message_stop), `{"type":"error","error":{…}}` errors with `request-id`, 429 with retry-after,
 * 529 overloaded. Recording and every fault of `faults.ts` come from `fake-server.ts`.
 *
 * @example
 * const fake = await startFakeAnthropic({ apiKey: "sk-ant-test" });
 * const client = new Anthropic({ baseURL: fake.url, apiKey: "sk-ant-test", maxRetries: 0 });
 */
import type { Exchange } from "../exchange.js";
import {
  type FakeServer,
  hasMalformedBody,
  isRecord,
  type RecordedRequest,
  startFakeServer,
  type WireError,
  type WireProtocol,
} from "../fake-server.js";
import { createIdSource, type IdSource } from "../ids.js";
import { schemaExample } from "../schema-example.js";
import type { SseFrame } from "../sse.js";
import { estimateTokens, splitFixed, splitWords, truncateToTokens } from "../tokens.js";
import { DEFAULT_ANTHROPIC_MODELS, listAnthropicModels, retrieveAnthropicModel } from "./models.js";

const MODEL_PATH = "/v1/models/";

export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

/** What a message answers; absent fields take the fake's defaults. */
export interface AnthropicReply {
  /** Absent: "Echo: " and the last user message's text (none when there are tool calls). */
  text?: string;
  thinking?: { text: string; signature: string };
  toolCalls?: { id?: string; name: string; input: unknown }[];
  /** Absent: "tool_use" with tool calls, "max_tokens" when the text was cut, else "end_turn". */
  stopReason?: AnthropicStopReason;
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens?: number;
    cacheCreationTokens?: number;
  };
}

export type AnthropicReplier = (request: RecordedRequest) => AnthropicReply | Promise<AnthropicReply>;

export interface FakeAnthropicOptions {
  port?: number;
  /** When set, requests must carry it as `x-api-key` (or `Authorization: Bearer`), as Anthropic checks. */
  apiKey?: string;
  /** What `GET /v1/models` lists (newest first); messages accept any model either way. */
  models?: readonly string[];
}

export interface FakeAnthropic extends FakeServer {
  /** The origin, what @anthropic-ai/sdk takes as `baseURL`. */
  readonly url: string;
  setReply(replier: AnthropicReplier | undefined): void;
  reset(): void;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

function errorBody(error: WireError) {
  return { type: "error", error: { type: error.type, message: error.message } };
}

function invalid(message: string): WireError {
  return { status: 400, message, type: "invalid_request_error", param: null, code: null };
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const ids = createIdSource();
  const state: { replier: AnthropicReplier | undefined } = { replier: undefined };
  const models = options.models ?? DEFAULT_ANTHROPIC_MODELS;
  const protocol: WireProtocol = {
    commonHeaders: () => ({ "request-id": ids.next("req_"), "anthropic-organization-id": "testkit" }),
    errorBody,
    streamError: (error) => ({ event: "error", data: JSON.stringify(errorBody(error)) }),
    statusError: (fault) => ({
      status: fault.status,
      message: fault.message ?? (fault.status === 529 ? "Overloaded" : `Error ${fault.status}`),
      type: fault.type ?? errorType(fault.status),
      param: null,
      code: fault.code ?? null,
    }),
    rateLimit: (retryAfterSeconds) => ({
      error: {
        status: 429,
        message: "This request would exceed your organization's rate limit. Please try again later.",
        type: "rate_limit_error",
        param: null,
        code: null,
      },
      headers: {
        "retry-after": String(retryAfterSeconds),
        "anthropic-ratelimit-requests-remaining": "0",
      },
    }),
    echoCredentials: (request, status) => ({
      status,
      message: `invalid x-api-key: ${String(request.headers["x-api-key"] ?? request.headers.authorization ?? "")}`,
      type: errorType(status),
      param: null,
      code: null,
    }),
    handle(exchange) {
      const request = exchange.request;
      // Anthropic takes the key as x-api-key; current SDKs send it as a Bearer token instead.
      const presented =
        request.headers["x-api-key"] ??
        (typeof request.headers.authorization === "string"
          ? request.headers.authorization.replace(/^Bearer /, "")
          : undefined);
      if (options.apiKey !== undefined && presented !== options.apiKey) {
        return exchange.error({
          status: 401,
          message: "invalid x-api-key",
          type: "authentication_error",
          param: null,
          code: null,
        });
      }
      if (
        request.method === "POST" &&
        (request.path === "/v1/messages" || request.path === "/v1/messages/count_tokens")
      ) {
        if (request.headers["anthropic-version"] === undefined) {
          return exchange.error(invalid("anthropic-version: header is required"));
        }
        if (hasMalformedBody(request))
          return exchange.error(invalid("There was an issue with the request body: invalid JSON"));
        if (request.path === "/v1/messages/count_tokens") return countTokens(exchange);
        return messages(exchange, state.replier, ids);
      }
      if (request.method === "GET" && request.path === "/v1/models")
        return listAnthropicModels(exchange, models);
      if (
        request.method === "GET" &&
        request.path.startsWith(MODEL_PATH) &&
        request.path.length > MODEL_PATH.length
      ) {
        return retrieveAnthropicModel(
          exchange,
          models,
          decodeURIComponent(request.path.slice(MODEL_PATH.length)),
        );
      }
      return exchange.error({
        status: 404,
        message: "Not found",
        type: "not_found_error",
        param: null,
        code: null,
      });
    },
  };
  const server = await startFakeServer({
    protocol,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return {
    ...server,
    url: server.origin,
    setReply(replier) {
      state.replier = replier;
    },
    reset() {
      server.reset();
      state.replier = undefined;
    },
  };
}

interface MessagesRequest {
  model: string;
  maxTokens: number;
  stream: boolean;
  messages: unknown[];
  forcedTool: string | undefined;
  /** The forced tool's input schema, answered with a value that satisfies it. */
  forcedToolSchema: unknown;
  /** `output_config.format.schema`: the text answer is JSON that satisfies it, as Anthropic guarantees. */
  outputSchema: unknown;
  promptText: string;
}

function parse(body: unknown, countOnly: boolean): MessagesRequest | WireError {
  if (!isRecord(body)) return invalid("The request body must be a JSON object.");
  if (typeof body.model !== "string") return invalid("model: Field required");
  if (!Array.isArray(body.messages)) return invalid("messages: Field required");
  if (!countOnly && (typeof body.max_tokens !== "number" || body.max_tokens < 1)) {
    return invalid("max_tokens: Field required");
  }
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message) || (message.role !== "user" && message.role !== "assistant")) {
      return invalid(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
  }
  const choice = isRecord(body.tool_choice) ? body.tool_choice : undefined;
  const system = typeof body.system === "string" ? body.system : textOf(body.system);
  const forcedTool = choice?.type === "tool" && typeof choice.name === "string" ? choice.name : undefined;
  const tool = Array.isArray(body.tools)
    ? body.tools.find((candidate) => isRecord(candidate) && candidate.name === forcedTool)
    : undefined;
  if (forcedTool !== undefined && tool === undefined)
    return invalid(`tool_choice: tool '${forcedTool}' is not in tools`);
  const format = isRecord(body.output_config) ? body.output_config.format : undefined;
  if (format !== undefined && format !== null && (!isRecord(format) || format.type !== "json_schema"))
    return invalid("output_config.format: Input should be a json_schema format");
  return {
    model: body.model,
    maxTokens: typeof body.max_tokens === "number" ? body.max_tokens : 0,
    stream: body.stream === true,
    messages: body.messages,
    forcedTool,
    forcedToolSchema: isRecord(tool) ? tool.input_schema : undefined,
    outputSchema: isRecord(format) ? format.schema : undefined,
    promptText:
      system + body.messages.map((message) => textOf(isRecord(message) ? message.content : "")).join(""),
  };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content) {
    if (isRecord(block) && block.type === "text" && typeof block.text === "string") text += block.text;
    if (isRecord(block) && block.type === "tool_result") text += textOf(block.content);
  }
  return text;
}

function echo(request: MessagesRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (isRecord(message) && message.role === "user") {
      const content = message.content;
      const text =
        typeof content === "string"
          ? content
          : textOf(
              Array.isArray(content)
                ? content.filter((block) => isRecord(block) && block.type === "text")
                : [],
            );
      return `Echo: ${text}`;
    }
  }
  return "Echo: ";
}

function countTokens(exchange: Exchange): Promise<void> {
  const parsed = parse(exchange.request.body, true);
  if ("status" in parsed) return exchange.error(parsed);
  return exchange.json(200, { input_tokens: estimateTokens(parsed.promptText) });
}

async function messages(
  exchange: Exchange,
  replier: AnthropicReplier | undefined,
  ids: IdSource,
): Promise<void> {
  const parsed = parse(exchange.request.body, false);
  if ("status" in parsed) return exchange.error(parsed);
  const reply: AnthropicReply =
    replier !== undefined
      ? await replier(exchange.request)
      : parsed.forcedTool !== undefined
        ? { toolCalls: [{ name: parsed.forcedTool, input: schemaExample(parsed.forcedToolSchema) }] }
        : parsed.outputSchema !== undefined
          ? { text: JSON.stringify(schemaExample(parsed.outputSchema, echo(parsed))) }
          : {};
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: call.id ?? ids.next("toolu_"),
    name: call.name,
    input: call.input,
  }));
  let text = reply.text ?? (toolCalls.length > 0 ? "" : echo(parsed));
  let stopReason = reply.stopReason ?? (toolCalls.length > 0 ? "tool_use" : "end_turn");
  const cut = truncateToTokens(text, parsed.maxTokens);
  if (cut.length < text.length) {
    text = cut;
    stopReason = reply.stopReason ?? "max_tokens";
  }
  const usage = {
    input_tokens: reply.usage?.inputTokens ?? estimateTokens(parsed.promptText),
    output_tokens:
      reply.usage?.outputTokens ??
      estimateTokens(
        text + (reply.thinking?.text ?? "") + toolCalls.map((call) => JSON.stringify(call.input)).join(""),
      ),
    cache_creation_input_tokens: reply.usage?.cacheCreationTokens ?? 0,
    cache_read_input_tokens: reply.usage?.cacheReadTokens ?? 0,
  };
  const id = ids.next("msg_");
  const content: unknown[] = [];
  if (reply.thinking)
    content.push({ type: "thinking", thinking: reply.thinking.text, signature: reply.thinking.signature });
  if (text !== "") content.push({ type: "text", text });
  for (const call of toolCalls)
    content.push({ type: "tool_use", id: call.id, name: call.name, input: call.input });
  if (!parsed.stream) {
    return exchange.json(200, {
      id,
      type: "message",
      role: "assistant",
      model: parsed.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  }
  const frames: SseFrame[] = [];
  const event = (data: { type: string } & Record<string, unknown>) =>
    frames.push({ event: data.type, data: JSON.stringify(data) });
  event({
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model: parsed.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  let index = 0;
  if (reply.thinking) {
    event({
      type: "content_block_start",
      index,
      content_block: { type: "thinking", thinking: "", signature: "" },
    });
    for (const piece of splitWords(reply.thinking.text)) {
      event({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: piece } });
    }
    event({
      type: "content_block_delta",
      index,
      delta: { type: "signature_delta", signature: reply.thinking.signature },
    });
    event({ type: "content_block_stop", index });
    index++;
  }
  if (text !== "") {
    event({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
    frames.push({ event: "ping", data: JSON.stringify({ type: "ping" }) });
    for (const piece of splitWords(text))
      event({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
    event({ type: "content_block_stop", index });
    index++;
  }
  for (const call of toolCalls) {
    event({
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
    });
    event({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } });
    for (const piece of splitFixed(JSON.stringify(call.input ?? {}), 8)) {
      event({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } });
    }
    event({ type: "content_block_stop", index });
    index++;
  }
  event({
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  return exchange.stream(frames, {
    done: { event: "message_stop", data: JSON.stringify({ type: "message_stop" }) },
  });
}
