/**
 * What a stream amounted to, accumulated from its canonical events while it passes: usage, how
 * much was produced (to estimate usage when none came), whether it finished, and any in-band error.
 */
import type { FinishReason, StreamEvent, Usage } from "../canonical/types.js";

export interface StreamSummary {
  usage: Usage | null;
  /** Characters of text, thinking and tool arguments produced. */
  producedChars: number;
  finishReason: FinishReason | null;
  error: { message: string; type: string; code: string | null } | null;
}

export function emptyStreamSummary(): StreamSummary {
  return { usage: null, producedChars: 0, finishReason: null, error: null };
}

export function observeStreamEvent(summary: StreamSummary, event: StreamEvent): void {
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
