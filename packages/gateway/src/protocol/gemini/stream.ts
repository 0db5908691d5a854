/**
 * Gemini `:streamGenerateContent?alt=sse` chunks <-> canonical stream events. Every chunk is a
 * whole GenerateContentResponse; a function call arrives whole in one chunk, so encoding buffers
 * streamed tool-call arguments until the call ends. There is no terminator event.
 */
import { toolArgumentsValue } from "../../canonical/parts.js";
import type { FinishReason, StreamEvent, Usage } from "../../canonical/types.js";
import type { GatewayError } from "../../errors/gateway-error.js";
import type { OutgoingSseEvent, StreamDecoder, StreamEncoder, StreamEncoderOptions } from "../codec.js";
import { isObject, type JsonObject } from "../shared/validation.js";
import { renderGeminiError } from "./errors.js";
import {
  decodeFinishReason,
  decodeGeminiUsage,
  encodeFinishReason,
  encodeGeminiUsage,
  wantsThoughts,
} from "./response.js";

export function createGeminiStreamDecoder(): StreamDecoder {
  let started = false;
  let tools = 0;
  let usage: Usage | null = null;
  return {
    push({ data }) {
      const events: StreamEvent[] = [];
      if (!isObject(data)) return events;
      if (isObject(data.error)) {
        events.push({
          type: "error",
          message: String(data.error.message ?? "upstream stream error"),
          errorType: String(data.error.status ?? "INTERNAL"),
          code: typeof data.error.status === "string" ? data.error.status : null,
        });
        return events;
      }
      if (!started) {
        started = true;
        events.push({
          type: "response-start",
          id: String(data.responseId ?? ""),
          model: String(data.modelVersion ?? ""),
          created: 0,
        });
      }
      if (isObject(data.usageMetadata)) usage = decodeGeminiUsage(data.usageMetadata);
      for (const [position, candidate] of (Array.isArray(data.candidates) ? data.candidates : []).entries()) {
        if (!isObject(candidate)) continue;
        const index = typeof candidate.index === "number" ? candidate.index : position;
        let hasCalls = false;
        const parts =
          isObject(candidate.content) && Array.isArray(candidate.content.parts)
            ? candidate.content.parts
            : [];
        for (const part of parts) {
          if (!isObject(part)) continue;
          if (typeof part.text === "string" && part.text !== "") {
            if (part.thought === true) {
              const thinking: StreamEvent = { type: "thinking-delta", index, text: part.text };
              if (typeof part.thoughtSignature === "string") thinking.signature = part.thoughtSignature;
              events.push(thinking);
            } else events.push({ type: "text-delta", index, text: part.text });
          } else if (isObject(part.functionCall)) {
            hasCalls = true;
            const toolIndex = tools++;
            const id = typeof part.functionCall.id === "string" ? part.functionCall.id : `call_${toolIndex}`;
            events.push({
              type: "tool-call-start",
              index,
              toolIndex,
              id,
              name: String(part.functionCall.name ?? ""),
            });
            events.push({
              type: "tool-call-delta",
              index,
              toolIndex,
              argumentsDelta: JSON.stringify(part.functionCall.args ?? {}),
            });
            events.push({ type: "tool-call-end", index, toolIndex });
          }
        }
        const reason = decodeFinishReason(candidate.finishReason, hasCalls || tools > 0);
        if (reason !== null) {
          events.push({
            type: "finish",
            index,
            finishReason: reason,
            rawFinishReason: String(candidate.finishReason),
          });
        }
      }
      return events;
    },
    end: () => (usage ? [{ type: "usage", usage }] : []),
  };
}

export function createGeminiStreamEncoder(options: StreamEncoderOptions): StreamEncoder {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let finish: FinishReason | null = null;
  let usage: Usage | null = null;
  const includeThoughts = wantsThoughts(options.body);
  const chunk = (parts: JsonObject[], extra: JsonObject = {}): OutgoingSseEvent => ({
    data: {
      candidates: [{ content: { role: "model", parts }, index: 0, ...extra }],
      modelVersion: options.model,
      responseId: options.id,
    },
  });
  return {
    push(event) {
      if ("index" in event && event.index !== 0) return [];
      switch (event.type) {
        case "text-delta":
          return [chunk([{ text: event.text }])];
        case "thinking-delta":
          if (!includeThoughts || (event.text === "" && !event.signature)) return [];
          return [
            chunk([
              event.signature
                ? { text: event.text, thought: true, thoughtSignature: event.signature }
                : { text: event.text, thought: true },
            ]),
          ];
        case "tool-call-start":
          calls.set(event.toolIndex, { id: event.id, name: event.name, args: "" });
          return [];
        case "tool-call-delta": {
          const call = calls.get(event.toolIndex);
          if (call) call.args += event.argumentsDelta;
          return [];
        }
        case "tool-call-end": {
          const call = calls.get(event.toolIndex);
          calls.delete(event.toolIndex);
          return call
            ? [
                chunk([
                  { functionCall: { id: call.id, name: call.name, args: toolArgumentsValue(call.args) } },
                ]),
              ]
            : [];
        }
        case "finish":
          finish = event.finishReason;
          return [];
        case "usage":
          usage = event.usage;
          return [];
        default:
          return [];
      }
    },
    end() {
      // Calls never ended explicitly (some upstreams only finish the choice) go out now.
      const pending = [...calls.values()].map((call) => ({
        functionCall: { id: call.id, name: call.name, args: toolArgumentsValue(call.args) },
      }));
      calls.clear();
      const last = chunk(pending.length > 0 ? pending : [{ text: "" }], {
        finishReason: encodeFinishReason(finish ?? "stop"),
      });
      if (usage && isObject(last.data)) (last.data as JsonObject).usageMetadata = encodeGeminiUsage(usage);
      return [last];
    },
    fail: (error: GatewayError) => [{ data: renderGeminiError(error) }],
  };
}
