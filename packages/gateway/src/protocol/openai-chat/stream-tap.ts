/**
 * The pass-through tap for OpenAI chat streams: fed each SSE frame's data while the bytes go to
 * the caller, it accumulates usage, produced text size, the finish reason and any in-band error,
 * through the same stream decoder translation uses. When the gateway asked the upstream for usage
 * the caller did not ask for, it also says how to hide that: drop the usage-only chunk and the
 * `"usage":null` members the option adds to every other chunk.
 */
import type { FinishReason, Usage } from "../../canonical/types.js";
import { createChatStreamDecoder } from "./stream.js";
import type { ChatCompletionChunk, OpenAIErrorBody } from "./types.js";

export interface ChatStreamSummary {
  usage: Usage | null;
  /** Characters of text, thinking and tool arguments produced, for estimating usage when none came. */
  producedChars: number;
  finishReason: FinishReason | null;
  error: { message: string; type: string; code: string | null } | null;
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
    usage: null,
    producedChars: 0,
    finishReason: null,
    error: null,
    sawDone: false,
    chunks: 0,
  };
  return {
    frame(data) {
      if (data === "[DONE]") {
        summary.sawDone = true;
        return data;
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
      for (const event of decode(chunk)) {
        switch (event.type) {
          case "text-delta":
          case "thinking-delta":
            summary.producedChars += event.text.length;
            break;
          case "tool-call-delta":
            summary.producedChars += event.argumentsDelta.length;
            break;
          case "finish":
            summary.finishReason = event.finishReason;
            break;
          case "usage":
            summary.usage = event.usage;
            break;
          case "error":
            summary.error = { message: event.message, type: event.errorType, code: event.code };
            break;
          default:
            break;
        }
      }
      if (!options.hideUsage) return data;
      const choices = (chunk as ChatCompletionChunk).choices;
      if (Array.isArray(choices) && choices.length === 0 && (chunk as ChatCompletionChunk).usage) return null;
      return data.includes('"usage":null') ? data.replace(/,"usage":null|"usage":null,?/g, "") : data;
    },
    summary: () => summary,
  };
}
