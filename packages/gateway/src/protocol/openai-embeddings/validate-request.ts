/** Structural validation of an OpenAI Embeddings body. */
import {
  invalidType,
  invalidValue,
  isObject,
  type JsonObject,
  missingField,
  optionalInteger,
  optionalString,
  requiredModel,
} from "../shared/validation.js";

export function validateEmbeddingsRequest(body: unknown): JsonObject {
  if (!isObject(body)) throw invalidType("body", "a JSON object", body);
  requiredModel(body);
  const input = body.input;
  if (input === undefined || input === null) throw missingField("input");
  const valid =
    typeof input === "string" ||
    (Array.isArray(input) &&
      input.length > 0 &&
      (input.every((item) => typeof item === "string") ||
        input.every((item) => typeof item === "number") ||
        input.every((item) => Array.isArray(item) && item.every((token) => typeof token === "number"))));
  if (!valid) {
    if (Array.isArray(input) && input.length === 0) {
      throw invalidValue("input", "expected a non-empty array, but got an empty array instead.");
    }
    throw invalidType("input", "a string, an array of strings, or an array of token arrays", input);
  }
  optionalInteger(body, "dimensions", "dimensions", 1);
  optionalString(body, "user");
  const format = body.encoding_format;
  if (format !== undefined && format !== null && format !== "float" && format !== "base64") {
    throw invalidValue("encoding_format", "supported values are: 'float' and 'base64'.");
  }
  return body;
}
