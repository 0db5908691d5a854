/** OpenAI finish reasons <-> canonical finish reasons (the raw value is kept beside). */
import type { FinishReason } from "../../canonical/types.js";

export function decodeChatFinishReason(raw: string | null | undefined): FinishReason | null {
  switch (raw) {
    case null:
    case undefined:
      return null;
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    default:
      return "other";
  }
}

export function encodeChatFinishReason(reason: FinishReason): string {
  switch (reason) {
    case "stop":
    case "other":
    case "error":
      return "stop";
    default:
      return reason;
  }
}
