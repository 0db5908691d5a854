/** Gemini GenerateContentResponse <-> canonical response, finish reasons and usage. Pure. */
import { toolArgumentsValue } from "../../canonical/parts.js";
import type { Choice, ContentPart, FinishReason, GenerateResponse, Usage } from "../../canonical/types.js";
import { isObject, type JsonObject } from "../shared/validation.js";

export function decodeFinishReason(raw: unknown, hasCalls: boolean): FinishReason | null {
  switch (raw) {
    case undefined:
    case null:
    case "FINISH_REASON_UNSPECIFIED":
      return null;
    case "STOP":
      return hasCalls ? "tool_calls" : "stop";
    case "MAX_TOKENS":
      return "length";
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
    case "IMAGE_SAFETY":
      return "content_filter";
    default:
      return "other";
  }
}

export function encodeFinishReason(reason: FinishReason): string {
  switch (reason) {
    case "length":
      return "MAX_TOKENS";
    case "content_filter":
      return "SAFETY";
    case "other":
    case "error":
      return "OTHER";
    default:
      return "STOP";
  }
}

export function decodeGeminiUsage(usage: JsonObject): Usage {
  const prompt = Number(usage.promptTokenCount ?? 0);
  const thoughts = Number(usage.thoughtsTokenCount ?? 0);
  // Like OpenAI's completion_tokens, canonical completion includes the reasoning tokens.
  const completion = Number(usage.candidatesTokenCount ?? 0) + thoughts;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: Number(usage.totalTokenCount ?? prompt + completion),
    cachedTokens: Number(usage.cachedContentTokenCount ?? 0),
    reasoningTokens: thoughts,
  };
}

export function encodeGeminiUsage(usage: Usage): JsonObject {
  const encoded: JsonObject = {
    promptTokenCount: usage.promptTokens,
    candidatesTokenCount: usage.completionTokens - usage.reasoningTokens,
    totalTokenCount: usage.totalTokens,
  };
  if (usage.cachedTokens > 0) encoded.cachedContentTokenCount = usage.cachedTokens;
  if (usage.reasoningTokens > 0) encoded.thoughtsTokenCount = usage.reasoningTokens;
  return encoded;
}

export function decodeParts(parts: unknown, nextCallId: () => string): ContentPart[] {
  const content: ContentPart[] = [];
  for (const part of Array.isArray(parts) ? parts : []) {
    if (!isObject(part)) continue;
    if (typeof part.text === "string") {
      if (part.thought === true) {
        content.push(
          typeof part.thoughtSignature === "string"
            ? { type: "thinking", text: part.text, signature: part.thoughtSignature }
            : { type: "thinking", text: part.text },
        );
      } else content.push({ type: "text", text: part.text });
    } else if (isObject(part.functionCall)) {
      content.push({
        type: "tool-call",
        id: typeof part.functionCall.id === "string" ? part.functionCall.id : nextCallId(),
        name: String(part.functionCall.name ?? ""),
        arguments: JSON.stringify(part.functionCall.args ?? {}),
      });
    }
  }
  return content;
}

export function decodeGenerateContentResponse(body: unknown): GenerateResponse {
  const json = isObject(body) ? body : {};
  let calls = 0;
  const nextCallId = () => `call_${calls++}`;
  const choices: Choice[] = [];
  for (const [position, candidate] of (Array.isArray(json.candidates) ? json.candidates : []).entries()) {
    if (!isObject(candidate)) continue;
    const content = decodeParts(isObject(candidate.content) ? candidate.content.parts : [], nextCallId);
    const hasCalls = content.some((part) => part.type === "tool-call");
    choices.push({
      index: typeof candidate.index === "number" ? candidate.index : position,
      content,
      finishReason: decodeFinishReason(candidate.finishReason, hasCalls),
      rawFinishReason: typeof candidate.finishReason === "string" ? candidate.finishReason : null,
    });
  }
  if (
    choices.length === 0 &&
    isObject(json.promptFeedback) &&
    json.promptFeedback.blockReason !== undefined
  ) {
    // A blocked prompt has no candidates at all.
    choices.push({
      index: 0,
      content: [],
      finishReason: "content_filter",
      rawFinishReason: String(json.promptFeedback.blockReason),
    });
  }
  return {
    id: typeof json.responseId === "string" ? json.responseId : "",
    model: typeof json.modelVersion === "string" ? json.modelVersion : "",
    created: 0,
    choices,
    usage: isObject(json.usageMetadata) ? decodeGeminiUsage(json.usageMetadata) : null,
  };
}

/**
 * Whether a Gemini caller asked to see thoughts (`thinkingConfig.includeThoughts`): Gemini
 * returns thought parts only then, so a translated answer drops them otherwise.
 */
export function wantsThoughts(body: JsonObject | undefined): boolean {
  const source = isObject(body?.generateContentRequest) ? body.generateContentRequest : body;
  const config = isObject(source?.generationConfig) ? source.generationConfig : undefined;
  return isObject(config?.thinkingConfig) && config.thinkingConfig.includeThoughts === true;
}

export function encodeParts(content: readonly ContentPart[], includeThoughts = true): JsonObject[] {
  const parts: JsonObject[] = [];
  for (const part of content) {
    if (part.type === "text") parts.push({ text: part.text });
    else if (part.type === "thinking" && part.redacted !== true && includeThoughts) {
      parts.push(
        part.signature
          ? { text: part.text, thought: true, thoughtSignature: part.signature }
          : { text: part.text, thought: true },
      );
    } else if (part.type === "tool-call") {
      parts.push({
        functionCall: { id: part.id, name: part.name, args: toolArgumentsValue(part.arguments) },
      });
    }
  }
  return parts;
}

export function encodeGenerateContentResponse(
  response: GenerateResponse,
  model: string,
  options: { includeThoughts: boolean } = { includeThoughts: true },
): JsonObject {
  const body: JsonObject = {
    candidates: response.choices.map((choice) => {
      const parts = encodeParts(choice.content, options.includeThoughts);
      if (choice.refusal) parts.push({ text: choice.refusal });
      return {
        content: { role: "model", parts },
        finishReason: encodeFinishReason(choice.finishReason ?? "stop"),
        index: choice.index,
      };
    }),
    modelVersion: model,
    responseId: response.id,
  };
  if (response.usage) body.usageMetadata = encodeGeminiUsage(response.usage);
  return body;
}
