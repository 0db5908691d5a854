/**
 * Gemini generateContent request <-> canonical request. Pure. Gemini function calls carry no id
 * in older models: decoding synthesizes stable ids and pairs a response without an id with the
 * first unanswered call of its name (then the first unanswered call), as Gemini does; encoding
 * finds a tool result's function name from the call it answers, since Gemini matches by name.
 * A tool error travels as a `functionResponse` whose `response` holds `error` (not `result`).
 */

import { imageSourceOf, toolArgumentsValue, toolResultText } from "../../canonical/parts.js";
import type {
  ContentPart,
  GenerateRequest,
  ImagePart,
  Message,
  ResponseFormat,
  TextPart,
  ThinkingPart,
  ToolChoice,
  ToolResultPart,
  WithWarnings,
} from "../../canonical/types.js";
import { isObject, type JsonObject } from "../shared/validation.js";

const EFFORT_BUDGETS: Record<string, number> = { minimal: 512, low: 2048, medium: 8192, high: 24576 };

export function decodeGenerateContent(body: JsonObject, model: string): WithWarnings<GenerateRequest> {
  const warnings: string[] = [];
  const source = isObject(body.generateContentRequest) ? body.generateContentRequest : body;
  const system: TextPart[] = [];
  if (isObject(source.systemInstruction) && Array.isArray(source.systemInstruction.parts)) {
    for (const part of source.systemInstruction.parts) {
      if (isObject(part) && typeof part.text === "string") system.push({ type: "text", text: part.text });
    }
  }
  const messages: Message[] = [];
  const calls: PendingCall[] = [];
  let callCount = 0;
  for (const content of source.contents as JsonObject[]) {
    const role = content.role === "model" ? "assistant" : "user";
    const parts: ContentPart[] = [];
    const results: ContentPart[] = [];
    // A response that names its call's id claims it first; those without an id share the rest.
    for (const part of content.parts as JsonObject[]) {
      const id = isObject(part.functionResponse) ? part.functionResponse.id : undefined;
      const claimed = calls.find((call) => call.id === id);
      if (claimed) claimed.answered = true;
    }
    for (const part of content.parts as JsonObject[]) {
      if (typeof part.text === "string") {
        if (part.thought === true) {
          const thinking: ThinkingPart = { type: "thinking", text: part.text };
          if (typeof part.thoughtSignature === "string") thinking.signature = part.thoughtSignature;
          parts.push(thinking);
        } else parts.push({ type: "text", text: part.text });
      } else if (isObject(part.inlineData)) {
        const mediaType = String(part.inlineData.mimeType ?? "");
        if (mediaType.startsWith("image/")) {
          parts.push({
            type: "image",
            source: { kind: "base64", mediaType, data: String(part.inlineData.data ?? "") },
          });
        } else warnings.push(`inline data of type '${mediaType}' is not carried`);
      } else if (isObject(part.fileData)) {
        parts.push({ type: "image", source: { kind: "url", url: String(part.fileData.fileUri ?? "") } });
      } else if (isObject(part.functionCall)) {
        const name = String(part.functionCall.name ?? "");
        const id = typeof part.functionCall.id === "string" ? part.functionCall.id : `call_${callCount}`;
        callCount++;
        calls.push({ id, name, answered: false });
        parts.push({ type: "tool-call", id, name, arguments: JSON.stringify(part.functionCall.args ?? {}) });
      } else if (isObject(part.functionResponse)) {
        const name = String(part.functionResponse.name ?? "");
        const id = answeredCall(
          calls,
          name,
          typeof part.functionResponse.id === "string" ? part.functionResponse.id : undefined,
        );
        if (id === undefined) warnings.push(`function response '${name}' answers no earlier call`);
        results.push(decodeFunctionResponse(id ?? name, part.functionResponse.response));
      } else {
        warnings.push(`a part with keys '${Object.keys(part).join(",")}' is not carried`);
      }
    }
    if (results.length > 0) messages.push({ role: "tool", content: results });
    if (parts.length > 0 || results.length === 0) messages.push({ role, content: parts });
  }
  const request: GenerateRequest = { model, system, messages, stream: false };
  const config = isObject(source.generationConfig) ? source.generationConfig : {};
  if (typeof config.maxOutputTokens === "number") request.maxTokens = config.maxOutputTokens;
  if (typeof config.temperature === "number") request.temperature = config.temperature;
  if (typeof config.topP === "number") request.topP = config.topP;
  if (typeof config.topK === "number") request.topK = config.topK;
  if (typeof config.seed === "number") request.seed = config.seed;
  if (typeof config.candidateCount === "number") request.n = config.candidateCount;
  if (typeof config.presencePenalty === "number") request.presencePenalty = config.presencePenalty;
  if (typeof config.frequencyPenalty === "number") request.frequencyPenalty = config.frequencyPenalty;
  if (Array.isArray(config.stopSequences)) request.stop = config.stopSequences.map(String);
  if (config.responseMimeType === "application/json") {
    const schema = isObject(config.responseJsonSchema)
      ? config.responseJsonSchema
      : isObject(config.responseSchema)
        ? lowerCaseTypes(config.responseSchema)
        : undefined;
    const format: ResponseFormat = schema
      ? { type: "json_schema", name: "response", schema }
      : { type: "json_object" };
    request.responseFormat = format;
  }
  if (isObject(config.thinkingConfig) && typeof config.thinkingConfig.thinkingBudget === "number") {
    const budget = config.thinkingConfig.thinkingBudget;
    request.reasoningEffort =
      budget === 0 ? "none" : budget <= 2048 ? "low" : budget <= 8192 ? "medium" : "high";
  }
  const declarations: JsonObject[] = [];
  for (const tool of Array.isArray(source.tools) ? source.tools : []) {
    if (!isObject(tool)) continue;
    if (Array.isArray(tool.functionDeclarations))
      declarations.push(...tool.functionDeclarations.filter(isObject));
    else warnings.push(`Gemini tool '${Object.keys(tool).join(",")}' exists only at Google; dropped`);
  }
  if (declarations.length > 0) {
    request.tools = declarations.map((declaration) => {
      const definition: NonNullable<GenerateRequest["tools"]>[number] = { name: String(declaration.name) };
      if (typeof declaration.description === "string") definition.description = declaration.description;
      if (isObject(declaration.parametersJsonSchema))
        definition.parameters = declaration.parametersJsonSchema;
      else if (isObject(declaration.parameters))
        definition.parameters = lowerCaseTypes(declaration.parameters);
      return definition;
    });
  }
  const calling = isObject(source.toolConfig) ? source.toolConfig.functionCallingConfig : undefined;
  if (isObject(calling)) {
    const choice = decodeMode(calling);
    if (choice !== undefined) request.toolChoice = choice;
  }
  return { value: request, warnings };
}

interface PendingCall {
  id: string;
  name: string;
  answered: boolean;
}

/**
 * The id of the call a function response answers: its own id when it has one (claimed before),
 * else the first unanswered call of the same name, else the first unanswered call, marked answered.
 */
function answeredCall(calls: PendingCall[], name: string, id: string | undefined): string | undefined {
  if (id !== undefined) return id;
  const call =
    calls.find((candidate) => !candidate.answered && candidate.name === name) ??
    calls.find((candidate) => !candidate.answered);
  if (call === undefined) return undefined;
  call.answered = true;
  return call.id;
}

/** `response.result` (or the whole response) is the result; `response.error` makes it a tool error. */
function decodeFunctionResponse(toolCallId: string, response: unknown): ToolResultPart {
  if (isObject(response) && response.error !== undefined && response.result === undefined) {
    return {
      type: "tool-result",
      toolCallId,
      content: typeof response.error === "string" ? response.error : JSON.stringify(response.error),
      isError: true,
    };
  }
  return {
    type: "tool-result",
    toolCallId,
    content:
      isObject(response) && typeof response.result === "string"
        ? response.result
        : JSON.stringify(response ?? {}),
  };
}

function decodeMode(calling: JsonObject): ToolChoice | undefined {
  const allowed = Array.isArray(calling.allowedFunctionNames) ? calling.allowedFunctionNames : [];
  switch (calling.mode) {
    case "NONE":
      return "none";
    case "ANY":
    case "VALIDATED":
      return allowed.length === 1 ? { name: String(allowed[0]) } : "required";
    case "AUTO":
      return "auto";
    default:
      return undefined;
  }
}

/** Gemini's OpenAPI-style schemas spell types in capitals (`OBJECT`); JSON Schema does not. */
function lowerCaseTypes(schema: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type" && typeof value === "string") out.type = value.toLowerCase();
    else if (isObject(value)) out[key] = lowerCaseTypes(value);
    else if (Array.isArray(value))
      out[key] = value.map((item) => (isObject(item) ? lowerCaseTypes(item) : item));
    else out[key] = value;
  }
  return out;
}

export function encodeGenerateContent(request: GenerateRequest): WithWarnings<JsonObject> {
  const warnings: string[] = [];
  const contents: Array<{ role: string; parts: JsonObject[] }> = [];
  const nameOfCall = new Map<string, string>();
  for (const message of request.messages) {
    const role = message.role === "assistant" ? "model" : "user";
    const parts: JsonObject[] = [];
    for (const part of message.content) {
      switch (part.type) {
        case "text":
          parts.push({ text: part.text });
          break;
        case "image":
          parts.push(encodeImage(part, warnings));
          break;
        case "tool-call":
          nameOfCall.set(part.id, part.name);
          parts.push({
            functionCall: {
              id: part.id,
              name: part.name,
              args: toolArgumentsValue(part.arguments, warnings),
            },
          });
          break;
        case "tool-result": {
          const name = nameOfCall.get(part.toolCallId);
          if (name === undefined)
            warnings.push(`tool result '${part.toolCallId}' answers no earlier call; sent unnamed`);
          parts.push({
            functionResponse: {
              id: part.toolCallId,
              name: name ?? "unknown",
              response:
                part.isError === true
                  ? { error: toolResultText(part.content) }
                  : { result: toolResultText(part.content) },
            },
          });
          break;
        }
        case "thinking":
          // Gemini takes earlier thoughts back only with its own signature.
          if (part.signature && part.redacted !== true)
            parts.push({ text: part.text, thought: true, thoughtSignature: part.signature });
          else warnings.push("thinking without a Gemini signature is not sent to Gemini; dropped");
          break;
      }
    }
    if (parts.length === 0) continue;
    const previous = contents.at(-1);
    // Gemini wants turns to alternate: consecutive contents of one role become one.
    if (previous && previous.role === role) previous.parts.push(...parts);
    else contents.push({ role, parts });
  }
  const body: JsonObject = { contents };
  if (request.system.length > 0)
    body.systemInstruction = { parts: request.system.map((part) => ({ text: part.text })) };
  const config: JsonObject = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.n !== undefined) config.candidateCount = request.n;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  if (request.stop !== undefined) config.stopSequences = request.stop;
  const format = request.responseFormat;
  if (format?.type === "json_object") config.responseMimeType = "application/json";
  if (format?.type === "json_schema") {
    config.responseMimeType = "application/json";
    config.responseJsonSchema = format.schema;
  }
  if (request.reasoningEffort !== undefined) {
    config.thinkingConfig = {
      thinkingBudget:
        request.reasoningEffort === "none" ? 0 : (EFFORT_BUDGETS[request.reasoningEffort] ?? 8192),
    };
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  if (request.tools && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => {
          const declaration: JsonObject = { name: tool.name };
          if (tool.description !== undefined) declaration.description = tool.description;
          if (tool.parameters !== undefined) declaration.parametersJsonSchema = tool.parameters;
          return declaration;
        }),
      },
    ];
  }
  const choice = request.toolChoice;
  if (choice !== undefined && body.tools) {
    body.toolConfig = {
      functionCallingConfig:
        typeof choice === "object"
          ? { mode: "ANY", allowedFunctionNames: [choice.name] }
          : { mode: choice === "required" ? "ANY" : choice === "none" ? "NONE" : "AUTO" },
    };
  }
  if (request.parallelToolCalls === false)
    warnings.push("parallel_tool_calls=false has no Gemini equivalent; dropped");
  return { value: body, warnings };
}

function encodeImage(part: ImagePart, warnings: string[]): JsonObject {
  if (part.source.kind === "base64")
    return { inlineData: { mimeType: part.source.mediaType, data: part.source.data } };
  const source = imageSourceOf(part.source.url);
  if (source.kind === "base64") return { inlineData: { mimeType: source.mediaType, data: source.data } };
  // Only reached for URLs the pipeline did not inline (Gemini file URIs, gs:// and the like).
  warnings.push("an image URL was sent to Gemini as fileData; Gemini accepts only its own file URIs there");
  return { fileData: { fileUri: part.source.url, mimeType: "image/*" } };
}
