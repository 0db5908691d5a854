/**
 * Canonical response -> OpenAI Responses API `Response` object, with every field the `openai`
 * SDK's `Response` type declares, so strict clients (the Vercel AI SDK) accept it.
 */
import type { FinishReason, GenerateResponse, Usage } from "../../canonical/types.js";
import { emptyUsage } from "../../canonical/types.js";
import type { JsonObject } from "../shared/validation.js";

export interface ResponseEcho {
  id: string;
  model: string;
  createdAt: number;
  /** The caller's request body, whose settings a Response echoes. */
  body: JsonObject | undefined;
}

export function responseId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9]/g, "");
  return clean.startsWith("resp") ? clean : `resp_${clean}`;
}

export function encodeResponsesUsage(usage: Usage | null): JsonObject {
  const value = usage ?? emptyUsage;
  return {
    input_tokens: value.promptTokens,
    input_tokens_details: { cached_tokens: value.cachedTokens },
    output_tokens: value.completionTokens,
    output_tokens_details: { reasoning_tokens: value.reasoningTokens },
    total_tokens: value.totalTokens,
  };
}

/** `completed`, or `incomplete` with its reason when the answer was cut short. */
export function statusOf(finish: FinishReason | null): {
  status: string;
  incomplete_details: JsonObject | null;
} {
  if (finish === "length")
    return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finish === "content_filter")
    return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/** The Response envelope around `output`, echoing the request's settings as OpenAI does. */
export function responseObject(
  echo: ResponseEcho,
  fields: {
    status: string;
    incomplete_details: JsonObject | null;
    output: JsonObject[];
    usage: JsonObject | null;
  },
): JsonObject {
  const body = echo.body ?? {};
  return {
    id: responseId(echo.id),
    object: "response",
    created_at: echo.createdAt,
    status: fields.status,
    background: false,
    error: null,
    incomplete_details: fields.incomplete_details,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === "number" ? body.max_output_tokens : null,
    model: echo.model,
    output: fields.output,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: false,
    temperature: typeof body.temperature === "number" ? body.temperature : 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === "number" ? body.top_p : 1,
    truncation: "disabled",
    usage: fields.usage,
    user: typeof body.user === "string" ? body.user : null,
    metadata: body.metadata ?? {},
  };
}

export function messageItem(id: string, text: string, status: "in_progress" | "completed"): JsonObject {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    content: status === "completed" ? [outputTextPart(text)] : [],
  };
}

export function outputTextPart(text: string): JsonObject {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

export function functionCallItem(
  id: string,
  call: { id: string; name: string; arguments: string },
  status: "in_progress" | "completed",
): JsonObject {
  return { id, type: "function_call", status, call_id: call.id, name: call.name, arguments: call.arguments };
}

export function encodeResponsesResponse(response: GenerateResponse, echo: ResponseEcho): JsonObject {
  const choice = response.choices[0];
  const output: JsonObject[] = [];
  let text = "";
  let calls = 0;
  for (const part of choice?.content ?? []) {
    if (part.type === "text") text += part.text;
  }
  if (choice?.refusal) {
    output.push({
      id: `msg_${responseId(echo.id).slice(5)}`,
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "refusal", refusal: choice.refusal }],
    });
  } else if (text !== "") {
    output.push(messageItem(`msg_${responseId(echo.id).slice(5)}`, text, "completed"));
  }
  for (const part of choice?.content ?? []) {
    if (part.type === "tool-call")
      output.push(functionCallItem(`fc_${responseId(echo.id).slice(5)}_${calls++}`, part, "completed"));
  }
  return responseObject(echo, {
    ...statusOf(choice?.finishReason ?? null),
    output,
    usage: encodeResponsesUsage(response.usage),
  });
}
