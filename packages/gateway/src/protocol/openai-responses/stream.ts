/**
 * Canonical stream events -> OpenAI Responses API stream events, in the documented order and with
 * every field strict clients check: `response.created`, `response.in_progress`, per output item
 * `response.output_item.added` … `response.output_item.done` (text through
 * `response.content_part.added` / `response.output_text.delta` / `.done` / `response.content_part.done`,
 * tool calls through `response.function_call_arguments.delta` / `.done`), then
 * `response.completed` or `response.incomplete`. Each event's SSE name is its `type`, and
 * `sequence_number` counts up from 0.
 */
import type { FinishReason, Usage } from "../../canonical/types.js";
import type { GatewayError } from "../../errors/gateway-error.js";
import type { OutgoingSseEvent, StreamEncoder, StreamEncoderOptions } from "../codec.js";
import type { JsonObject } from "../shared/validation.js";
import {
  encodeResponsesUsage,
  functionCallItem,
  messageItem,
  outputTextPart,
  type ResponseEcho,
  responseId,
  responseObject,
  statusOf,
} from "./response.js";

interface OpenItem {
  kind: "message" | "function_call";
  id: string;
  outputIndex: number;
  text: string;
  call?: { id: string; name: string; arguments: string };
  toolIndex?: number;
}

export function createResponsesStreamEncoder(
  options: StreamEncoderOptions & { body?: JsonObject },
): StreamEncoder {
  const echo: ResponseEcho = {
    id: options.id,
    model: options.model,
    createdAt: options.created,
    body: options.body,
  };
  const base = responseId(options.id).slice(5);
  let sequence = 0;
  let started = false;
  let open: OpenItem | null = null;
  const done: JsonObject[] = [];
  let finish: FinishReason | null = null;
  let usage: Usage | null = null;

  const event = (type: string, fields: JsonObject): OutgoingSseEvent => ({
    event: type,
    data: { type, sequence_number: sequence++, ...fields },
  });
  const start = (out: OutgoingSseEvent[]) => {
    if (started) return;
    started = true;
    const response = responseObject(echo, {
      status: "in_progress",
      incomplete_details: null,
      output: [],
      usage: null,
    });
    out.push(event("response.created", { response }));
    out.push(event("response.in_progress", { response }));
  };
  const close = (out: OutgoingSseEvent[]) => {
    if (!open) return;
    const item = open;
    open = null;
    if (item.kind === "message") {
      const part = outputTextPart(item.text);
      out.push(
        event("response.output_text.done", {
          item_id: item.id,
          output_index: item.outputIndex,
          content_index: 0,
          text: item.text,
          logprobs: [],
        }),
      );
      out.push(
        event("response.content_part.done", {
          item_id: item.id,
          output_index: item.outputIndex,
          content_index: 0,
          part,
        }),
      );
      const finished = messageItem(item.id, item.text, "completed");
      done.push(finished);
      out.push(event("response.output_item.done", { output_index: item.outputIndex, item: finished }));
    } else if (item.call) {
      out.push(
        event("response.function_call_arguments.done", {
          item_id: item.id,
          output_index: item.outputIndex,
          name: item.call.name,
          arguments: item.call.arguments,
        }),
      );
      const finished = functionCallItem(item.id, item.call, "completed");
      done.push(finished);
      out.push(event("response.output_item.done", { output_index: item.outputIndex, item: finished }));
    }
  };

  return {
    push(streamEvent) {
      const out: OutgoingSseEvent[] = [];
      // One answer per response: other choices are not sent.
      if ("index" in streamEvent && streamEvent.index !== 0) return out;
      switch (streamEvent.type) {
        case "response-start":
          start(out);
          break;
        case "text-delta": {
          start(out);
          if (open?.kind !== "message") {
            close(out);
            open = { kind: "message", id: `msg_${base}_${done.length}`, outputIndex: done.length, text: "" };
            out.push(
              event("response.output_item.added", {
                output_index: open.outputIndex,
                item: messageItem(open.id, "", "in_progress"),
              }),
            );
            out.push(
              event("response.content_part.added", {
                item_id: open.id,
                output_index: open.outputIndex,
                content_index: 0,
                part: outputTextPart(""),
              }),
            );
          }
          open.text += streamEvent.text;
          out.push(
            event("response.output_text.delta", {
              item_id: open.id,
              output_index: open.outputIndex,
              content_index: 0,
              delta: streamEvent.text,
              logprobs: [],
            }),
          );
          break;
        }
        case "tool-call-start": {
          start(out);
          close(out);
          const call = { id: streamEvent.id, name: streamEvent.name, arguments: "" };
          open = {
            kind: "function_call",
            id: `fc_${base}_${done.length}`,
            outputIndex: done.length,
            text: "",
            call,
            toolIndex: streamEvent.toolIndex,
          };
          out.push(
            event("response.output_item.added", {
              output_index: open.outputIndex,
              item: functionCallItem(open.id, call, "in_progress"),
            }),
          );
          break;
        }
        case "tool-call-delta":
          if (open?.kind === "function_call" && open.call && open.toolIndex === streamEvent.toolIndex) {
            open.call.arguments += streamEvent.argumentsDelta;
            out.push(
              event("response.function_call_arguments.delta", {
                item_id: open.id,
                output_index: open.outputIndex,
                delta: streamEvent.argumentsDelta,
              }),
            );
          }
          break;
        case "finish":
          close(out);
          finish = streamEvent.finishReason;
          break;
        case "usage":
          usage = streamEvent.usage;
          break;
        default:
          // Thinking is not sent on the Responses stream (see docs/protocols.md); errors end it via fail().
          break;
      }
      return out;
    },
    end() {
      const out: OutgoingSseEvent[] = [];
      start(out);
      close(out);
      const status = statusOf(finish);
      const response = responseObject(echo, { ...status, output: done, usage: encodeResponsesUsage(usage) });
      out.push(
        event(status.status === "completed" ? "response.completed" : "response.incomplete", { response }),
      );
      return out;
    },
    fail(error: GatewayError) {
      const code = error.wireCode ?? "server_error";
      // `error` makes the openai SDK raise; code/message/param are what the documented event carries.
      return [
        event("error", {
          code,
          message: error.message,
          param: error.param,
          error: { type: error.type, code, message: error.message, param: error.param },
        }),
      ];
    },
  };
}
