/**
 * Anthropic Messages stream events <-> canonical stream events. Each function returns the state of
 * one stream; nothing is shared between streams. The event sequence is Anthropic's:
 * message_start, then per content block content_block_start / content_block_delta… /
 * content_block_stop, then message_delta (stop reason, final usage) and message_stop.
 */
import type { StreamEvent, Usage } from "../../canonical/types.js";
import { emptyUsage } from "../../canonical/types.js";
import type { GatewayError } from "../../errors/gateway-error.js";
import type { OutgoingSseEvent, StreamDecoder, StreamEncoder, StreamEncoderOptions } from "../codec.js";
import { isObject } from "../shared/validation.js";
import { renderAnthropicError } from "./errors.js";
import { anthropicMessageId } from "./response.js";
import { decodeStopReason, encodeStopReason } from "./stop-reason.js";
import { JSON_ANSWER_TOOL } from "./structured-output.js";
import type { AnthropicStopReason, AnthropicUsage } from "./types.js";
import { decodeAnthropicUsage, encodeAnthropicUsage } from "./usage.js";

export function createMessagesStreamDecoder(): StreamDecoder {
  let usage: Partial<AnthropicUsage> = {};
  /** Anthropic block index -> canonical tool index, for tool_use blocks. */
  const toolIndexOfBlock = new Map<number, number>();
  /** Blocks of the forced JSON tool, whose input is streamed as the answer's text. */
  const jsonAnswerBlocks = new Set<number>();
  let tools = 0;
  return {
    push({ data }) {
      if (!isObject(data)) return [];
      const events: StreamEvent[] = [];
      switch (data.type) {
        case "message_start": {
          const message = isObject(data.message) ? data.message : {};
          if (isObject(message.usage)) usage = { ...(message.usage as Partial<AnthropicUsage>) };
          events.push({
            type: "response-start",
            id: String(message.id ?? ""),
            model: String(message.model ?? ""),
            created: 0,
          });
          break;
        }
        case "content_block_start": {
          const block = isObject(data.content_block) ? data.content_block : {};
          const index = Number(data.index ?? 0);
          if (block.type === "tool_use" && block.name === JSON_ANSWER_TOOL) {
            jsonAnswerBlocks.add(index);
          } else if (block.type === "tool_use") {
            const toolIndex = tools++;
            toolIndexOfBlock.set(index, toolIndex);
            events.push({
              type: "tool-call-start",
              index: 0,
              toolIndex,
              id: String(block.id ?? ""),
              name: String(block.name ?? ""),
            });
          } else if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
            events.push({ type: "text-delta", index: 0, text: block.text });
          } else if (block.type === "redacted_thinking") {
            events.push({ type: "thinking-delta", index: 0, text: "", signature: String(block.data ?? "") });
          }
          break;
        }
        case "content_block_delta": {
          const delta = isObject(data.delta) ? data.delta : {};
          const index = Number(data.index ?? 0);
          if (delta.type === "text_delta" && typeof delta.text === "string") {
            events.push({ type: "text-delta", index: 0, text: delta.text });
          } else if (
            delta.type === "input_json_delta" &&
            typeof delta.partial_json === "string" &&
            jsonAnswerBlocks.has(index)
          ) {
            if (delta.partial_json !== "")
              events.push({ type: "text-delta", index: 0, text: delta.partial_json });
          } else if (delta.type === "input_json_delta" && typeof delta.partial_json === "string") {
            const toolIndex = toolIndexOfBlock.get(index);
            if (toolIndex !== undefined && delta.partial_json !== "") {
              events.push({
                type: "tool-call-delta",
                index: 0,
                toolIndex,
                argumentsDelta: delta.partial_json,
              });
            }
          } else if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
            events.push({ type: "thinking-delta", index: 0, text: delta.thinking });
          } else if (delta.type === "signature_delta" && typeof delta.signature === "string") {
            events.push({ type: "thinking-delta", index: 0, text: "", signature: delta.signature });
          }
          break;
        }
        case "content_block_stop": {
          const toolIndex = toolIndexOfBlock.get(Number(data.index ?? 0));
          if (toolIndex !== undefined) events.push({ type: "tool-call-end", index: 0, toolIndex });
          break;
        }
        case "message_delta": {
          const delta = isObject(data.delta) ? data.delta : {};
          if (isObject(data.usage))
            usage = { ...usage, ...stripNulls(data.usage as Partial<AnthropicUsage>) };
          const raw = typeof delta.stop_reason === "string" ? delta.stop_reason : null;
          const reason =
            raw === "tool_use" && tools === 0 && jsonAnswerBlocks.size > 0 ? "stop" : decodeStopReason(raw);
          if (reason !== null)
            events.push({ type: "finish", index: 0, finishReason: reason, rawFinishReason: raw });
          events.push({ type: "usage", usage: decodeAnthropicUsage(usage) });
          break;
        }
        case "error": {
          const error = isObject(data.error) ? data.error : {};
          events.push({
            type: "error",
            message: String(error.message ?? "upstream stream error"),
            errorType: String(error.type ?? "api_error"),
            code: null,
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

function stripNulls(usage: Partial<AnthropicUsage>): Partial<AnthropicUsage> {
  return Object.fromEntries(
    Object.entries(usage).filter(([, value]) => value !== null),
  ) as Partial<AnthropicUsage>;
}

type BlockKind = "text" | "thinking" | "tool_use";

export function createMessagesStreamEncoder(options: StreamEncoderOptions): StreamEncoder {
  let started = false;
  let blockIndex = -1;
  let openBlock: BlockKind | null = null;
  let openToolIndex = -1;
  let stopReason: AnthropicStopReason | null = null;
  let usage: Usage | null = null;
  const frame = (data: { type: string } & Record<string, unknown>): OutgoingSseEvent => ({
    event: data.type,
    data,
  });

  const start = (out: OutgoingSseEvent[], id = options.id) => {
    if (started) return;
    started = true;
    out.push(
      frame({
        type: "message_start",
        message: {
          id: anthropicMessageId(id),
          type: "message",
          role: "assistant",
          model: options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      }),
    );
  };
  const close = (out: OutgoingSseEvent[]) => {
    if (openBlock === null) return;
    out.push(frame({ type: "content_block_stop", index: blockIndex }));
    openBlock = null;
    openToolIndex = -1;
  };
  const open = (out: OutgoingSseEvent[], kind: BlockKind, block: Record<string, unknown>) => {
    start(out);
    close(out);
    blockIndex++;
    openBlock = kind;
    out.push(frame({ type: "content_block_start", index: blockIndex, content_block: block }));
  };

  return {
    push(event) {
      const out: OutgoingSseEvent[] = [];
      // Anthropic carries one answer per message: other choices are not sent.
      if ("index" in event && event.index !== 0) return out;
      switch (event.type) {
        case "response-start":
          start(out, event.id || options.id);
          break;
        case "text-delta":
          if (openBlock !== "text") open(out, "text", { type: "text", text: "" });
          out.push(
            frame({
              type: "content_block_delta",
              index: blockIndex,
              delta: { type: "text_delta", text: event.text },
            }),
          );
          break;
        case "thinking-delta":
          if (openBlock !== "thinking")
            open(out, "thinking", { type: "thinking", thinking: "", signature: "" });
          if (event.text !== "") {
            out.push(
              frame({
                type: "content_block_delta",
                index: blockIndex,
                delta: { type: "thinking_delta", thinking: event.text },
              }),
            );
          }
          if (event.signature) {
            out.push(
              frame({
                type: "content_block_delta",
                index: blockIndex,
                delta: { type: "signature_delta", signature: event.signature },
              }),
            );
          }
          break;
        case "tool-call-start":
          open(out, "tool_use", { type: "tool_use", id: event.id, name: event.name, input: {} });
          openToolIndex = event.toolIndex;
          break;
        case "tool-call-delta":
          if (openBlock === "tool_use" && openToolIndex === event.toolIndex) {
            out.push(
              frame({
                type: "content_block_delta",
                index: blockIndex,
                delta: { type: "input_json_delta", partial_json: event.argumentsDelta },
              }),
            );
          }
          break;
        case "tool-call-end":
          break;
        case "finish":
          close(out);
          stopReason = encodeStopReason(event.finishReason);
          break;
        case "usage":
          usage = event.usage;
          break;
        case "error":
          break;
      }
      return out;
    },
    end() {
      const out: OutgoingSseEvent[] = [];
      start(out);
      close(out);
      const final = encodeAnthropicUsage(usage ?? emptyUsage);
      out.push(
        frame({
          type: "message_delta",
          delta: { stop_reason: stopReason ?? "end_turn", stop_sequence: null },
          usage: final,
        }),
      );
      out.push(frame({ type: "message_stop" }));
      return out;
    },
    fail(error: GatewayError) {
      return [{ event: "error", data: renderAnthropicError(error) }];
    },
  };
}
