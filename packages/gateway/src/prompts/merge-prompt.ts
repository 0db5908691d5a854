/**
 * Puts a resolved prompt's messages before the caller's, in the caller's own protocol, so the
 * request goes on as if the caller had sent them (validation, the cache key, the firewall, routing
 * and translation all see the merged body). Pure: a new body, the caller's untouched. The body's
 * `model` wins; the prompt's fills an empty one. `inputs` is removed: no provider knows it.
 *
 * System (and developer) messages become the protocol's system prompt where it has one
 * (Anthropic's `system`, Gemini's `systemInstruction`), ahead of the caller's own.
 */
import type { IngressProtocol } from "../protocol/ingress-protocol.js";
import type { JsonObject } from "../protocol/shared/validation.js";
import type { ChatMessage } from "../store/types.js";
import { messageText } from "./prompt-template.js";

export function mergePrompt(
  protocol: IngressProtocol,
  body: JsonObject,
  messages: readonly ChatMessage[],
  model: string | null,
): JsonObject {
  const { inputs: _inputs, ...rest } = body;
  const merged: JsonObject = { ...rest };
  if (
    model !== null &&
    protocol !== "gemini" &&
    (typeof merged.model !== "string" || merged.model.trim() === "")
  ) {
    merged.model = model;
  }
  switch (protocol) {
    case "openai-chat":
      merged.messages = [...messages, ...arrayOf(body.messages)];
      return merged;
    case "openai-responses":
      merged.input = [
        ...messages.map((message) => ({ role: message.role, content: messageText(message) })),
        ...(typeof body.input === "string" ? [{ role: "user", content: body.input }] : arrayOf(body.input)),
      ];
      return merged;
    case "anthropic-messages": {
      const system = systemTexts(messages).map((text) => ({ type: "text", text }));
      if (system.length > 0) {
        const own = body.system;
        merged.system = [
          ...system,
          ...(typeof own === "string" ? [{ type: "text", text: own }] : arrayOf(own)),
        ];
      }
      merged.messages = [
        ...conversation(messages).map((message) => ({ role: message.role, content: messageText(message) })),
        ...arrayOf(body.messages),
      ];
      return merged;
    }
    case "gemini": {
      const system = systemTexts(messages).map((text) => ({ text }));
      if (system.length > 0) {
        const own = body.systemInstruction;
        const ownParts = typeof own === "object" && own !== null ? arrayOf((own as JsonObject).parts) : [];
        merged.systemInstruction = {
          ...(typeof own === "object" && own !== null ? own : {}),
          parts: [...system, ...ownParts],
        };
      }
      merged.contents = [
        ...conversation(messages).map((message) => ({
          role: message.role === "assistant" ? "model" : "user",
          parts: [{ text: messageText(message) }],
        })),
        ...arrayOf(body.contents),
      ];
      return merged;
    }
    default:
      return merged;
  }
}

const isSystem = (message: ChatMessage) => message.role === "system" || message.role === "developer";

function systemTexts(messages: readonly ChatMessage[]): string[] {
  return messages.filter(isSystem).map(messageText);
}

function conversation(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.filter((message) => !isSystem(message));
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
