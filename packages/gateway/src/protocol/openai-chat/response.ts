/** OpenAI Chat Completions response <-> canonical response. Pure. */
import type { Choice, ContentPart, GenerateResponse } from "../../canonical/types.js";
import { decodeChatFinishReason, encodeChatFinishReason } from "./finish-reason.js";
import type { ChatCompletion, ChatToolCall } from "./types.js";
import { decodeChatUsage, encodeChatUsage } from "./usage.js";

export function decodeChatResponse(body: ChatCompletion): GenerateResponse {
  return {
    id: body.id,
    model: body.model,
    created: body.created,
    usage: body.usage ? decodeChatUsage(body.usage) : null,
    choices: (body.choices ?? []).map((choice): Choice => {
      const content: ContentPart[] = [];
      const message = choice.message;
      if (typeof message?.reasoning_content === "string") {
        content.push({ type: "thinking", text: message.reasoning_content });
      }
      if (typeof message?.content === "string") content.push({ type: "text", text: message.content });
      for (const call of message?.tool_calls ?? []) {
        content.push({
          type: "tool-call",
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        });
      }
      const decoded: Choice = {
        index: choice.index,
        content,
        finishReason: decodeChatFinishReason(choice.finish_reason),
        rawFinishReason: choice.finish_reason ?? null,
      };
      if (message?.refusal !== undefined) decoded.refusal = message.refusal;
      return decoded;
    }),
  };
}

export function encodeChatResponse(response: GenerateResponse): ChatCompletion {
  const body: ChatCompletion = {
    id: response.id,
    object: "chat.completion",
    created: response.created,
    model: response.model,
    choices: response.choices.map((choice) => {
      let text: string | null = null;
      const toolCalls: ChatToolCall[] = [];
      for (const part of choice.content) {
        if (part.type === "text") text = (text ?? "") + part.text;
        else if (part.type === "tool-call") {
          toolCalls.push({
            id: part.id,
            type: "function",
            function: { name: part.name, arguments: part.arguments },
          });
        }
      }
      const message: ChatCompletion["choices"][number]["message"] = {
        role: "assistant",
        content: text,
        refusal: choice.refusal ?? null,
      };
      if (toolCalls.length > 0) message.tool_calls = toolCalls;
      return {
        index: choice.index,
        message,
        logprobs: null,
        finish_reason: choice.finishReason === null ? null : encodeChatFinishReason(choice.finishReason),
      };
    }),
  };
  if (response.usage) body.usage = encodeChatUsage(response.usage);
  return body;
}
