/**
 * The pass-through tap for OpenAI chat streams: fed each SSE frame's data while the bytes go to
 * the caller, it accumulates usage, produced text size, the finish reason and any in-band error,
 * through the same stream decoder translation uses. When the gateway asked the upstream for usage
 * the caller did not ask for, it also says how to hide that: drop the usage-only chunk and the
 * `"usage":null` members the option adds to every other chunk.
 */
import { emptyStreamSummary, observeStreamEvent, type StreamSummary } from "../stream-summary.js";
import { createChatStreamDecoder } from "./stream.js";
import type { ChatCompletionChunk, OpenAIErrorBody } from "./types.js";

export interface ChatStreamSummary extends StreamSummary {
  sawDone: boolean;
  chunks: number;
}

export interface ChatStreamTap {
  /** Returns the frame data to send the caller, or null to drop the frame. */
  frame(data: string): string | null;
  summary(): ChatStreamSummary;
}

export function createChatStreamTap(options: { hideUsage: boolean }): ChatStreamTap {
  const decode = createChatStreamDecoder();
  const summary: ChatStreamSummary = {
    ...emptyStreamSummary(),
    sawDone: false,
    chunks: 0,
  };
  // Bytes of a plain content-delta frame that are not content, learnt from one parsed frame.
  let deltaOverhead = -1;
  return {
    frame(data) {
      if (data === "[DONE]") {
        summary.sawDone = true;
        return data;
      }
      // Fast path: most frames only carry a text delta. Parsing them would tell us nothing the
      // usage chunk will not, so only their size is counted (for the estimate if usage never comes).
      if (deltaOverhead >= 0 && isPlainDelta(data)) {
        summary.chunks++;
        summary.producedChars += Math.max(0, data.length - deltaOverhead);
        return options.hideUsage ? withoutUsageNull(data) : data;
      }
      let chunk: ChatCompletionChunk | OpenAIErrorBody;
      try {
        chunk = JSON.parse(data) as ChatCompletionChunk | OpenAIErrorBody;
      } catch {
        summary.error = {
          message: "The provider sent a malformed stream chunk.",
          type: "server_error",
          code: null,
        };
        return data;
      }
      summary.chunks++;
      for (const event of decode(chunk)) observeStreamEvent(summary, event);
      if (deltaOverhead < 0 && isPlainDelta(data)) {
        const content = (chunk as ChatCompletionChunk).choices?.[0]?.delta?.content;
        if (typeof content === "string" && content !== "" && !data.includes('"role"')) {
          deltaOverhead = data.length - content.length;
        }
      }
      if (!options.hideUsage) return data;
      const choices = (chunk as ChatCompletionChunk).choices;
      if (Array.isArray(choices) && choices.length === 0 && (chunk as ChatCompletionChunk).usage) return null;
      return withoutUsageNull(data);
    },
    summary: () => summary,
  };
}

/**
 * Whether a frame can only be a content delta: no finish reason, usage, error, tool call,
 * reasoning or refusal. Inside JSON string values quotes are escaped, so content that merely
 * mentions `"usage":{` cannot match these.
 */
function isPlainDelta(data: string): boolean {
  return data.includes('"finish_reason":null') && !NOT_PLAIN_DELTA.test(data);
}

// One regex pass is about three times faster than five `includes` scans (measured on a content chunk).
const NOT_PLAIN_DELTA = /"usage":\{|"error"|"tool_calls"|"reasoning_content"|"refusal":"/;

function withoutUsageNull(data: string): string {
  return data.includes('"usage":null') ? data.replace(/,"usage":null|"usage":null,?/g, "") : data;
}
