/**
 * Prompt token counts for the count-tokens routes when the provider cannot count itself: OpenAI
 * models by their own BPE tokenizer (loaded on first use; it weighs a few MB), everything else by
 * the character estimate. The result says which, so records and callers can tell.
 */
import type { GenerateRequest } from "../canonical/types.js";
import { estimateTokens } from "./token-estimate.js";

export interface TokenCount {
  tokens: number;
  source: "tokenizer" | "estimate";
}

type Counter = (text: string) => number;
const counters = new Map<string, Promise<Counter>>();

function loadCounter(encoding: "o200k_base" | "cl100k_base"): Promise<Counter> {
  let counter = counters.get(encoding);
  if (!counter) {
    counter = (
      encoding === "o200k_base"
        ? import("gpt-tokenizer/encoding/o200k_base")
        : import("gpt-tokenizer/encoding/cl100k_base")
    ).then((module) => (text: string) => module.countTokens(text));
    counters.set(encoding, counter);
  }
  return counter;
}

/** The tokenizer an OpenAI model uses, or null for models of other vendors. */
export function openaiEncodingOf(model: string): "o200k_base" | "cl100k_base" | null {
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-4o|gpt-oss)/.test(model)) return "o200k_base";
  if (/^(gpt-4|gpt-3\.5|text-embedding-)/.test(model)) return "cl100k_base";
  return null;
}

/** Everything of a request that the model reads as tokens, as plain text. */
export function promptText(request: GenerateRequest): string {
  const pieces: string[] = request.system.map((part) => part.text);
  for (const message of request.messages) {
    for (const part of message.content) {
      switch (part.type) {
        case "text":
        case "thinking":
          pieces.push(part.text);
          break;
        case "tool-call":
          pieces.push(part.name, part.arguments);
          break;
        case "tool-result":
          if (typeof part.content === "string") pieces.push(part.content);
          else for (const inner of part.content) if (inner.type === "text") pieces.push(inner.text);
          break;
        default:
          break;
      }
    }
  }
  for (const tool of request.tools ?? []) {
    pieces.push(tool.name, tool.description ?? "", JSON.stringify(tool.parameters ?? {}));
  }
  return pieces.join("\n");
}

export async function countPromptTokens(model: string, request: GenerateRequest): Promise<TokenCount> {
  const text = promptText(request);
  const encoding = openaiEncodingOf(model);
  if (encoding === null) return { tokens: estimateTokens(text.length), source: "estimate" };
  const count = await loadCounter(encoding);
  return { tokens: count(text), source: "tokenizer" };
}
