/**
 * The tool result an OpenAI fake's replier answers from, in either OpenAI body it may receive:
 * Chat Completions (`messages` with a `tool` message) or the Responses API (`input` with a
 * `function_call_output` item), since Responses callers are passed through to OpenAI.
 */
import type { RecordedRequest } from "@floopy/testkit";

export function openaiToolResult(request: RecordedRequest): string | undefined {
  const body = (request.body ?? {}) as {
    messages?: Array<{ role?: string; content?: unknown }>;
    input?: unknown;
  };
  const message = body.messages?.find((entry) => entry.role === "tool");
  if (message) return String(message.content);
  if (!Array.isArray(body.input)) return undefined;
  const item = (body.input as Array<{ type?: string; output?: unknown }>).find(
    (entry) => entry.type === "function_call_output",
  );
  return item === undefined ? undefined : String(item.output);
}
