/** Structural validation of Gemini generateContent / countTokens / embed bodies, naming the field. */
import { invalidType, isObject, type JsonObject, missingField } from "../shared/validation.js";

export function validateGenerateContent(body: unknown, options: { countTokens: boolean }): JsonObject {
  if (!isObject(body)) throw invalidType("body", "a JSON object", body);
  // countTokens takes either `contents` or a whole `generateContentRequest`.
  const request =
    options.countTokens && isObject(body.generateContentRequest) ? body.generateContentRequest : body;
  const contents = request.contents;
  if (contents === undefined || contents === null) throw missingField("contents");
  if (!Array.isArray(contents)) throw invalidType("contents", "an array", contents);
  for (const [index, content] of contents.entries()) {
    if (!isObject(content)) throw invalidType(`contents[${index}]`, "an object", content);
    if (!Array.isArray(content.parts))
      throw invalidType(`contents[${index}].parts`, "an array", content.parts);
    for (const [partIndex, part] of content.parts.entries()) {
      if (!isObject(part)) throw invalidType(`contents[${index}].parts[${partIndex}]`, "an object", part);
    }
  }
  for (const key of ["systemInstruction", "generationConfig", "toolConfig"]) {
    const value = request[key];
    if (value !== undefined && value !== null && !isObject(value)) throw invalidType(key, "an object", value);
  }
  if (request.tools !== undefined && request.tools !== null && !Array.isArray(request.tools)) {
    throw invalidType("tools", "an array", request.tools);
  }
  return body;
}

export function validateEmbedContent(body: unknown): JsonObject {
  if (!isObject(body)) throw invalidType("body", "a JSON object", body);
  if (Array.isArray(body.requests)) {
    for (const [index, request] of body.requests.entries()) {
      if (!isObject(request) || !isObject(request.content)) throw missingField(`requests[${index}].content`);
    }
    return body;
  }
  if (!isObject(body.content)) throw missingField("content");
  return body;
}
