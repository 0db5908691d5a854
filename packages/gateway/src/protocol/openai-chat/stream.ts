/**
 * OpenAI Chat Completions stream chunks <-> canonical stream events. Each function returns a
 * closure holding that one stream's state; nothing is shared between streams.
 */
import type { StreamEvent } from "../../canonical/types.js";
import { decodeChatFinishReason, encodeChatFinishReason } from "./finish-reason.js";
import type { ChatCompletionChunk, OpenAIErrorBody } from "./types.js";
import { decodeChatUsage, encodeChatUsage } from "./usage.js";

export type ChatStreamDecoder = (chunk: ChatCompletionChunk | OpenAIErrorBody) => StreamEvent[];

export function createChatStreamDecoder(): ChatStreamDecoder {
  let started = false;
  const openToolCalls = new Set<string>();
  return (chunk) => {
    const events: StreamEvent[] = [];
    if ("error" in chunk && chunk.error) {
      const error = chunk.error;
      events.push({
        type: "error",
        message: String(error.message ?? "upstream stream error"),
        errorType: String(error.type ?? "server_error"),
        code: typeof error.code === "string" ? error.code : null,
      });
      return events;
    }
    const data = chunk as ChatCompletionChunk;
    if (!started) {
      started = true;
      events.push({ type: "response-start", id: data.id, model: data.model, created: data.created });
    }
    for (const choice of data.choices ?? []) {
      const delta = choice.delta ?? {};
      if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") {
        events.push({ type: "thinking-delta", index: choice.index, text: delta.reasoning_content });
      }
      if (typeof delta.content === "string" && delta.content !== "") {
        events.push({ type: "text-delta", index: choice.index, text: delta.content });
      }
      for (const call of delta.tool_calls ?? []) {
        const key = `${choice.index}:${call.index}`;
        if (!openToolCalls.has(key)) {
          openToolCalls.add(key);
          events.push({
            type: "tool-call-start",
            index: choice.index,
            toolIndex: call.index,
            id: call.id ?? "",
            name: call.function?.name ?? "",
          });
        }
        const argumentsDelta = call.function?.arguments;
        if (typeof argumentsDelta === "string" && argumentsDelta !== "") {
          events.push({
            type: "tool-call-delta",
            index: choice.index,
            toolIndex: call.index,
            argumentsDelta,
          });
        }
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        for (const key of [...openToolCalls]) {
          const [choiceIndex, toolIndex] = key.split(":").map(Number);
          if (choiceIndex !== choice.index || toolIndex === undefined) continue;
          openToolCalls.delete(key);
          events.push({ type: "tool-call-end", index: choice.index, toolIndex });
        }
        events.push({
          type: "finish",
          index: choice.index,
          finishReason: decodeChatFinishReason(choice.finish_reason) ?? "other",
          rawFinishReason: choice.finish_reason,
        });
      }
    }
    if (data.usage) events.push({ type: "usage", usage: decodeChatUsage(data.usage) });
    return events;
  };
}

export interface ChatStreamEncoderOptions {
  id: string;
  model: string;
  created: number;
  /** Whether the caller asked for usage (`stream_options.include_usage`). */
  includeUsage: boolean;
}

export type ChatStreamEncoder = (event: StreamEvent) => Array<ChatCompletionChunk | OpenAIErrorBody>;

export function createChatStreamEncoder(options: ChatStreamEncoderOptions): ChatStreamEncoder {
  const roleSent = new Set<number>();
  const chunk = (choices: ChatCompletionChunk["choices"]): ChatCompletionChunk => {
    const value: ChatCompletionChunk = {
      id: options.id,
      object: "chat.completion.chunk",
      created: options.created,
      model: options.model,
      choices,
    };
    if (options.includeUsage) value.usage = null;
    return value;
  };
  const withRole = (index: number, delta: ChatCompletionChunk["choices"][number]["delta"]) => {
    if (roleSent.has(index)) return delta;
    roleSent.add(index);
    return { role: "assistant" as const, ...delta };
  };
  return (event) => {
    switch (event.type) {
      case "response-start":
        roleSent.add(0);
        return [
          chunk([
            { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
          ]),
        ];
      case "text-delta":
        return [
          chunk([
            {
              index: event.index,
              delta: withRole(event.index, { content: event.text }),
              logprobs: null,
              finish_reason: null,
            },
          ]),
        ];
      case "thinking-delta":
        return [
          chunk([
            {
              index: event.index,
              delta: withRole(event.index, { reasoning_content: event.text }),
              logprobs: null,
              finish_reason: null,
            },
          ]),
        ];
      case "tool-call-start":
        return [
          chunk([
            {
              index: event.index,
              delta: withRole(event.index, {
                tool_calls: [
                  {
                    index: event.toolIndex,
                    id: event.id,
                    type: "function",
                    function: { name: event.name, arguments: "" },
                  },
                ],
              }),
              logprobs: null,
              finish_reason: null,
            },
          ]),
        ];
      case "tool-call-delta":
        return [
          chunk([
            {
              index: event.index,
              delta: {
                tool_calls: [{ index: event.toolIndex, function: { arguments: event.argumentsDelta } }],
              },
              logprobs: null,
              finish_reason: null,
            },
          ]),
        ];
      case "tool-call-end":
        return [];
      case "finish":
        return [
          chunk([
            {
              index: event.index,
              delta: {},
              logprobs: null,
              finish_reason: encodeChatFinishReason(event.finishReason),
            },
          ]),
        ];
      case "usage": {
        if (!options.includeUsage) return [];
        const value = chunk([]);
        value.usage = encodeChatUsage(event.usage);
        return [value];
      }
      case "error":
        return [{ error: { message: event.message, type: event.errorType, param: null, code: event.code } }];
    }
  };
}
