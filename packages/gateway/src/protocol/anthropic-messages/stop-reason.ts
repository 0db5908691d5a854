/** Anthropic stop reasons <-> canonical finish reasons. */
import type { FinishReason } from "../../canonical/types.js";
import type { AnthropicStopReason } from "./types.js";

export function decodeStopReason(raw: string | null | undefined): FinishReason | null {
  switch (raw) {
    case null:
    case undefined:
      return null;
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "other";
  }
}

export function encodeStopReason(reason: FinishReason): AnthropicStopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}
