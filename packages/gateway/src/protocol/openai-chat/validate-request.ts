/**
 * Structural validation of a Chat Completions body, run before anything else reads it (the
 * pass-through path included), so malformed input is refused with a field-naming 400 rather than
 * forwarded.
 */
import {
  invalidType,
  invalidValue,
  isObject,
  type JsonObject,
  missingField,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredModel,
} from "../shared/validation.js";

const roles = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

export function validateChatRequest(body: unknown): JsonObject {
  if (!isObject(body)) throw invalidType("body", "a JSON object", body);
  requiredModel(body);
  const messages = body.messages;
  if (messages === undefined || messages === null) throw missingField("messages");
  if (!Array.isArray(messages)) throw invalidType("messages", "an array", messages);
  if (messages.length === 0) {
    throw invalidValue(
      "messages",
      "expected an array with minimum length 1, but got an empty array instead.",
    );
  }
  for (let index = 0; index < messages.length; index++)
    validateMessage(messages[index], `messages[${index}]`);
  optionalBoolean(body, "stream");
  optionalObject(body, "stream_options");
  if (isObject(body.stream_options)) {
    optionalBoolean(body.stream_options, "include_usage", "stream_options.include_usage");
  }
  for (const key of ["temperature", "top_p", "presence_penalty", "frequency_penalty"])
    optionalNumber(body, key);
  optionalInteger(body, "max_tokens", "max_tokens", 1);
  optionalInteger(body, "max_completion_tokens", "max_completion_tokens", 1);
  optionalInteger(body, "n", "n", 1);
  optionalInteger(body, "seed");
  optionalString(body, "user");
  optionalBoolean(body, "parallel_tool_calls");
  const stop = body.stop;
  if (stop !== undefined && stop !== null && typeof stop !== "string") {
    if (!Array.isArray(stop) || stop.some((entry) => typeof entry !== "string")) {
      throw invalidType("stop", "a string or an array of strings", stop);
    }
  }
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalidType("tools", "an array", body.tools);
    body.tools.forEach((tool, index) => {
      if (!isObject(tool)) throw invalidType(`tools[${index}]`, "an object", tool);
      if (!isObject(tool.function)) throw missingField(`tools[${index}].function`);
      if (typeof tool.function.name !== "string") {
        throw invalidType(`tools[${index}].function.name`, "a string", tool.function.name);
      }
    });
  }
  const toolChoice = body.tool_choice;
  if (
    toolChoice !== undefined &&
    toolChoice !== null &&
    typeof toolChoice !== "string" &&
    !isObject(toolChoice)
  ) {
    throw invalidType("tool_choice", "a string or an object", toolChoice);
  }
  optionalObject(body, "response_format");
  return body;
}

function validateMessage(message: unknown, param: string): void {
  if (!isObject(message)) throw invalidType(param, "an object", message);
  const role = message.role;
  if (role === undefined) throw missingField(`${param}.role`);
  if (typeof role !== "string" || !roles.has(role)) {
    throw invalidValue(
      `${param}.role`,
      `supported values are: 'system', 'developer', 'user', 'assistant', 'tool' and 'function'.`,
    );
  }
  const content = message.content;
  if (content !== undefined && content !== null && typeof content !== "string") {
    if (!Array.isArray(content)) {
      throw invalidType(`${param}.content`, "one of a string or array of objects", content);
    }
    content.forEach((part, index) => {
      if (!isObject(part) || typeof part.type !== "string") {
        throw invalidType(`${param}.content[${index}]`, "an object with a 'type'", part);
      }
    });
  }
  if (role === "tool" && typeof message.tool_call_id !== "string") {
    throw missingField(`${param}.tool_call_id`);
  }
}

export type { JsonObject };
