/**
 * The pass-through tap for OpenAI chat streams: fed each SSE frame's data while the bytes go to
 * the caller, it accumulates usage, produced text size, the finish reason and any in-band error.
 * When the gateway asked the upstream for usage the caller did not ask for, it also says how to
 * hide that: drop the usage-only chunk and the `"usage":null` members the option adds to every
 * other chunk.
 *
 * Most frames carry a text delta, a finish reason or nothing; those are read by scanning the text
 * for the few members the summary needs, never parsed. Only a frame that may carry something a
 * scan cannot read safely (usage, an error, tool calls, reasoning, a refusal) goes through
 * `JSON.parse` and the stream decoder translation uses (so does a frame not shaped like a JSON
 * object, which is then reported malformed). Inside JSON strings quotes are escaped,
 * so content that merely mentions `"usage":{` or `"error"` cannot match the markers below.
 */
import { emptyStreamSummary, observeStreamEvent, type StreamSummary } from "../stream-summary.js";
import { decodeChatFinishReason } from "./finish-reason.js";
import { type ChatStreamDecoder, createChatStreamDecoder } from "./stream.js";
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
  // Only frames a scan cannot summarise need the decoder: most streams never make one.
  let decode: ChatStreamDecoder | null = null;
  const summary: ChatStreamSummary = {
    ...emptyStreamSummary(),
    sawDone: false,
    chunks: 0,
  };
  const { hideUsage } = options;
  return {
    frame(data) {
      if (data === "[DONE]") {
        summary.sawDone = true;
        return data;
      }
      if (looksLikeObject(data) && !NEEDS_PARSING.test(data)) {
        summary.chunks++;
        summary.producedChars += contentLength(data);
        // OpenAI puts finish_reason last in a choice: searching from the end finds it at once.
        const finish = data.lastIndexOf(FINISH_REASON);
        if (finish !== -1) {
          const start = finish + FINISH_REASON.length;
          const raw = data.slice(start, data.indexOf('"', start));
          summary.finishReason = decodeChatFinishReason(raw) ?? "other";
        }
        return hideUsage ? withoutUsageNull(data) : data;
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
      decode ??= createChatStreamDecoder();
      for (const event of decode(chunk)) observeStreamEvent(summary, event);
      if (!hideUsage) return data;
      const choices = (chunk as ChatCompletionChunk).choices;
      if (Array.isArray(choices) && choices.length === 0 && (chunk as ChatCompletionChunk).usage) return null;
      return withoutUsageNull(data);
    },
    summary: () => summary,
  };
}

/** Members a scan cannot summarise: the frame is parsed. One regex pass over the frame. */
const NEEDS_PARSING = /"(?:usage":\{|error"|tool_calls"|reasoning_content"|refusal":")/;
const FINISH_REASON = '"finish_reason":"';

/** A frame that is not even shaped like an object is parsed, so that it is reported malformed. */
function looksLikeObject(data: string): boolean {
  return data.charCodeAt(0) === 123 && data.charCodeAt(data.length - 1) === 125;
}
const CONTENT = '"content":"';

/** Characters of the frame's text delta (every `content` string it holds), decoded. */
function contentLength(data: string): number {
  let total = 0;
  let at = data.indexOf(CONTENT);
  while (at !== -1) {
    const start = at + CONTENT.length;
    let end = start;
    let escaped = false;
    for (;;) {
      end = data.indexOf('"', end);
      if (end === -1) return total;
      let backslashes = 0;
      while (data.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      escaped = true;
      end++;
    }
    // An escape (\n, \", \u00e9) is one character once decoded; only then is the string parsed.
    total += escaped ? (JSON.parse(data.slice(start - 1, end + 1)) as string).length : end - start;
    at = data.indexOf(CONTENT, end + 1);
  }
  return total;
}

const USAGE_NULL = '"usage":null';
const LAST_USAGE_NULL = ',"usage":null}';

/** Removes each `"usage":null` member, with the comma that separates it from its neighbour. */
function withoutUsageNull(data: string): string {
  // The option adds the member last; checking the end first avoids a scan of the whole frame.
  if (data.endsWith(LAST_USAGE_NULL)) {
    const head = data.slice(0, -LAST_USAGE_NULL.length);
    if (!head.includes(USAGE_NULL)) return `${head}}`;
  }
  let at = data.indexOf(USAGE_NULL);
  if (at === -1) return data;
  let out = "";
  let from = 0;
  while (at !== -1) {
    let start = at;
    let end = at + USAGE_NULL.length;
    if (data.charCodeAt(start - 1) === 44) start--;
    else if (data.charCodeAt(end) === 44) end++;
    out += data.slice(from, start);
    from = end;
    at = data.indexOf(USAGE_NULL, end);
  }
  return out + data.slice(from);
}
