/**
 * `{{variable}}` in a stored prompt's messages (whitespace inside the braces allowed), filled from
 * the request's `inputs`, then the version's `defaults`; a variable neither names is left as it
 * was written, so a missing input shows in the answer rather than silently becoming empty.
 */
import type { ChatMessage } from "../store/types.js";

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export type PromptInputs = Readonly<Record<string, unknown>>;

export function fillTemplate(
  text: string,
  inputs: PromptInputs,
  defaults: Readonly<Record<string, string>>,
): string {
  return text.replace(VARIABLE, (written, name: string) => {
    if (Object.hasOwn(inputs, name)) return inputText(inputs[name]);
    if (Object.hasOwn(defaults, name)) return defaults[name] ?? written;
    return written;
  });
}

export function fillMessages(
  messages: readonly ChatMessage[],
  inputs: PromptInputs,
  defaults: Readonly<Record<string, string>>,
): ChatMessage[] {
  return messages.map((message) => {
    const { content } = message;
    if (typeof content === "string") return { ...message, content: fillTemplate(content, inputs, defaults) };
    if (!Array.isArray(content)) return { ...message };
    return {
      ...message,
      content: content.map((part: unknown) =>
        isTextPart(part) ? { ...part, text: fillTemplate(part.text, inputs, defaults) } : part,
      ),
    };
  });
}

/** The variables a template names, for the API's answers and docs' examples. */
export function templateVariables(messages: readonly ChatMessage[]): string[] {
  const names = new Set<string>();
  for (const message of messages) {
    for (const text of messageTexts(message))
      for (const match of text.matchAll(VARIABLE)) names.add(match[1] ?? "");
  }
  return [...names];
}

/** A message's text, its parts joined: what protocols without content parts in system prompts take. */
export function messageText(message: ChatMessage): string {
  return messageTexts(message).join("");
}

function messageTexts(message: ChatMessage): string[] {
  const { content } = message;
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.filter(isTextPart).map((part) => part.text);
}

function inputText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function isTextPart(part: unknown): part is { type: "text"; text: string } {
  return (
    typeof part === "object" &&
    part !== null &&
    (part as { type?: unknown }).type === "text" &&
    typeof (part as { text?: unknown }).text === "string"
  );
}
