/** Anthropic Messages response <-> canonical response. Pure. */
import { toolArgumentsValue } from "../../canonical/parts.js";
import type { ContentPart, GenerateResponse } from "../../canonical/types.js";
import { emptyUsage } from "../../canonical/types.js";
import { decodeBlock } from "./blocks.js";
import { decodeStopReason, encodeStopReason } from "./stop-reason.js";
import { JSON_ANSWER_TOOL } from "./structured-output.js";
import type { AnthropicContentBlock, AnthropicResponse } from "./types.js";
import { decodeAnthropicUsage, encodeAnthropicUsage } from "./usage.js";

export function decodeMessagesResponse(body: AnthropicResponse): GenerateResponse {
  const content: ContentPart[] = [];
  let jsonAnswer = false;
  for (const block of body.content ?? []) {
    if (block.type === "tool_use" && block.name === JSON_ANSWER_TOOL) {
      // The forced JSON tool's input is the answer (see structured-output.ts).
      jsonAnswer = true;
      content.push({ type: "text", text: JSON.stringify(block.input ?? {}) });
      continue;
    }
    const part = decodeBlock(block);
    if (part) content.push(part);
  }
  const calls = content.some((part) => part.type === "tool-call");
  const finishReason =
    jsonAnswer && !calls && body.stop_reason === "tool_use" ? "stop" : decodeStopReason(body.stop_reason);
  return {
    id: body.id,
    model: body.model,
    // Anthropic messages carry no creation time; the pipeline fills in when the request arrived.
    created: 0,
    usage: body.usage ? decodeAnthropicUsage(body.usage) : null,
    choices: [
      {
        index: 0,
        content,
        finishReason,
        rawFinishReason: body.stop_reason ?? null,
      },
    ],
  };
}

export function anthropicMessageId(id: string): string {
  return id.startsWith("msg_") ? id : `msg_${id.replace(/[^A-Za-z0-9]/g, "")}`;
}

export function encodeMessagesResponse(response: GenerateResponse, model: string): AnthropicResponse {
  const choice = response.choices[0];
  const content: AnthropicContentBlock[] = [];
  for (const part of choice?.content ?? []) {
    switch (part.type) {
      case "thinking":
        content.push(
          part.redacted === true
            ? { type: "redacted_thinking", data: part.signature ?? "" }
            : { type: "thinking", thinking: part.text, signature: part.signature ?? "" },
        );
        break;
      case "text":
        content.push({ type: "text", text: part.text });
        break;
      case "tool-call":
        content.push({
          type: "tool_use",
          id: part.id,
          name: part.name,
          input: toolArgumentsValue(part.arguments),
        });
        break;
      default:
        break;
    }
  }
  if (choice?.refusal) content.push({ type: "text", text: choice.refusal });
  return {
    id: anthropicMessageId(response.id),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: choice?.finishReason ? encodeStopReason(choice.finishReason) : "end_turn",
    stop_sequence: null,
    usage: encodeAnthropicUsage(response.usage ?? emptyUsage),
  };
}
