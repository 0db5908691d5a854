/**
 * `POST /v1/responses` of the fake OpenAI, in the Responses API's documented wire format: a
 * `Response` object (`object: "response"`, `output` items, `usage` with input/output token
 * details) or, with `stream: true`, the named SSE events `response.created`,
 * `response.in_progress`, `response.output_item.added`, `response.content_part.added`,
 * `response.output_text.delta` / `.done`, `response.content_part.done`,
 * `response.function_call_arguments.delta` / `.done`, `response.output_item.done` and
 * `response.completed` (or `response.incomplete`), each with its `sequence_number`. The answer is
 * the chat fake's: an echo of the last user input, a forced function call, or the replier's reply.
 */
import type { Exchange } from "../exchange.js";
import { isRecord, type WireError } from "../fake-server.js";
import type { SseFrame } from "../sse.js";
import { estimateTokens, splitFixed, splitWords, truncateToTokens } from "../tokens.js";
import type { ChatContext, ChatReply } from "./chat.js";
import { invalidRequest, invalidType, missingParameter } from "./errors.js";

interface ResponsesRequest {
  body: Record<string, unknown>;
  model: string;
  input: unknown[];
  stream: boolean;
  maxOutputTokens: number | undefined;
  forcedTool: string | undefined;
  promptText: string;
}

type OutputItem = Record<string, unknown> & { id: string; type: string };

export async function responses(exchange: Exchange, context: ChatContext): Promise<void> {
  const parsed = parse(exchange.request.body);
  if ("status" in parsed) return exchange.error(parsed);
  const reply: ChatReply =
    context.replier === undefined
      ? parsed.forcedTool === undefined
        ? {}
        : { toolCalls: [{ name: parsed.forcedTool, arguments: "{}" }] }
      : await context.replier(exchange.request);
  const ids = context.ids;
  const calls = (reply.toolCalls ?? []).map((call) => ({
    id: ids.next("fc_"),
    callId: call.id ?? ids.next("call_"),
    name: call.name,
    arguments: call.arguments,
  }));
  let text = reply.content ?? (calls.length > 0 ? "" : echo(parsed));
  let incomplete = reply.finishReason === "length";
  if (parsed.maxOutputTokens !== undefined && estimateTokens(text) > parsed.maxOutputTokens) {
    text = truncateToTokens(text, parsed.maxOutputTokens);
    incomplete = true;
  }
  const output: OutputItem[] = [];
  if (isRecord(parsed.body.reasoning)) output.push({ id: ids.next("rs_"), type: "reasoning", summary: [] });
  if (text !== "") {
    output.push({
      id: ids.next("msg_"),
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of calls) {
    output.push({
      id: call.id,
      type: "function_call",
      status: "completed",
      call_id: call.callId,
      name: call.name,
      arguments: call.arguments,
    });
  }
  const inputTokens = reply.usage?.promptTokens ?? Math.max(1, estimateTokens(parsed.promptText));
  const outputTokens =
    reply.usage?.completionTokens ??
    estimateTokens(text + calls.map((call) => call.name + call.arguments).join(""));
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: reply.usage?.cachedTokens ?? 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reply.usage?.reasoningTokens ?? 0 },
    total_tokens: inputTokens + outputTokens,
  };
  const id = ids.next("resp_");
  const createdAt = Math.floor(exchange.request.receivedAt / 1000);
  const envelope = (status: string, items: OutputItem[], withUsage: boolean) =>
    responseObject(parsed, {
      id,
      createdAt,
      status,
      incompleteDetails: status === "incomplete" ? { reason: "max_output_tokens" } : null,
      output: items,
      usage: withUsage ? usage : null,
    });
  const finalStatus = incomplete ? "incomplete" : "completed";
  if (!parsed.stream) return exchange.json(200, envelope(finalStatus, output, true));
  return exchange.stream(streamFrames(output, envelope, finalStatus));
}

function parse(body: unknown): ResponsesRequest | WireError {
  if (!isRecord(body)) return invalidRequest("The request body must be a JSON object.");
  const { model, input, stream } = body;
  if (model === undefined || model === null) return missingParameter("model");
  if (typeof model !== "string") return invalidType("model", "a string", model);
  if (input === undefined || input === null) return missingParameter("input");
  if (typeof input !== "string" && !Array.isArray(input))
    return invalidType("input", "a string or an array", input);
  if (stream !== undefined && stream !== null && typeof stream !== "boolean")
    return invalidType("stream", "a boolean", stream);
  const items: unknown[] = typeof input === "string" ? [{ role: "user", content: input }] : input;
  const max = body.max_output_tokens;
  const instructions = typeof body.instructions === "string" ? body.instructions : "";
  return {
    body,
    model,
    input: items,
    stream: stream === true,
    maxOutputTokens: typeof max === "number" ? max : undefined,
    forcedTool: forcedTool(body.tools, body.tool_choice),
    promptText:
      instructions + items.map((item) => (isRecord(item) ? contentText(item.content) : "")).join(""),
  };
}

function forcedTool(tools: unknown, choice: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  if (isRecord(choice) && choice.type === "function" && typeof choice.name === "string") return choice.name;
  if (choice !== "required") return undefined;
  for (const tool of tools) {
    if (isRecord(tool) && tool.type === "function" && typeof tool.name === "string") return tool.name;
  }
  return undefined;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (isRecord(part) && typeof part.text === "string") text += part.text;
  }
  return text;
}

/** "Echo: " and the text of the last user message among the input items. */
function echo(request: ResponsesRequest): string {
  for (let index = request.input.length - 1; index >= 0; index--) {
    const item = request.input[index];
    if (isRecord(item) && (item.type === undefined || item.type === "message") && item.role === "user") {
      return `Echo: ${contentText(item.content)}`;
    }
  }
  return "Echo: ";
}

/** The Response envelope, echoing the request's settings the way OpenAI does. */
function responseObject(
  request: ResponsesRequest,
  fields: {
    id: string;
    createdAt: number;
    status: string;
    incompleteDetails: Record<string, unknown> | null;
    output: OutputItem[];
    usage: Record<string, unknown> | null;
  },
): Record<string, unknown> {
  const body = request.body;
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
  return {
    id: fields.id,
    object: "response",
    created_at: fields.createdAt,
    status: fields.status,
    background: body.background === true,
    error: null,
    incomplete_details: fields.incompleteDetails,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    max_output_tokens: request.maxOutputTokens ?? null,
    model: request.model,
    output: fields.output,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    previous_response_id: typeof body.previous_response_id === "string" ? body.previous_response_id : null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    service_tier: "default",
    store: body.store !== false,
    temperature: typeof body.temperature === "number" ? body.temperature : 1,
    text: isRecord(body.text) ? body.text : { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === "number" ? body.top_p : 1,
    truncation: "disabled",
    usage: fields.usage,
    user: typeof body.user === "string" ? body.user : null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
  };
}

function streamFrames(
  output: OutputItem[],
  envelope: (status: string, items: OutputItem[], withUsage: boolean) => Record<string, unknown>,
  finalStatus: string,
): SseFrame[] {
  const frames: SseFrame[] = [];
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) =>
    frames.push({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...fields }) });
  event("response.created", { response: envelope("in_progress", [], false) });
  event("response.in_progress", { response: envelope("in_progress", [], false) });
  output.forEach((item, outputIndex) => {
    if (item.type === "message") {
      const part = (item.content as Array<{ text: string }>)[0];
      const text = part?.text ?? "";
      event("response.output_item.added", {
        output_index: outputIndex,
        item: { ...item, status: "in_progress", content: [] },
      });
      const emptyPart = { type: "output_text", text: "", annotations: [], logprobs: [] };
      const location = { item_id: item.id, output_index: outputIndex, content_index: 0 };
      event("response.content_part.added", { ...location, part: emptyPart });
      for (const piece of splitWords(text))
        event("response.output_text.delta", { ...location, delta: piece, logprobs: [] });
      event("response.output_text.done", { ...location, text, logprobs: [] });
      event("response.content_part.done", { ...location, part: { ...emptyPart, text } });
    } else if (item.type === "function_call") {
      const args = String(item.arguments ?? "");
      event("response.output_item.added", {
        output_index: outputIndex,
        item: { ...item, status: "in_progress", arguments: "" },
      });
      for (const piece of splitFixed(args, 8))
        event("response.function_call_arguments.delta", {
          item_id: item.id,
          output_index: outputIndex,
          delta: piece,
        });
      event("response.function_call_arguments.done", {
        item_id: item.id,
        output_index: outputIndex,
        name: item.name,
        arguments: args,
      });
    } else {
      event("response.output_item.added", { output_index: outputIndex, item });
    }
    event("response.output_item.done", { output_index: outputIndex, item });
  });
  event(finalStatus === "incomplete" ? "response.incomplete" : "response.completed", {
    response: envelope(finalStatus, output, true),
  });
  return frames;
}
