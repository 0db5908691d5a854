/**
 * Structural validation of an Anthropic Messages body (and of count_tokens bodies, which are the
 * same without `max_tokens` and `stream`). Each failure names the field.
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
  requiredModel,
} from "../shared/validation.js";

export function validateMessagesRequest(body: unknown, options: { countTokens: boolean }): JsonObject {
  if (!isObject(body)) throw invalidType("body", "a JSON object", body);
  requiredModel(body);
  if (!options.countTokens) {
    if (body.max_tokens === undefined || body.max_tokens === null) throw missingField("max_tokens");
    optionalInteger(body, "max_tokens", "max_tokens", 1);
    optionalBoolean(body, "stream");
  }
  const messages = body.messages;
  if (messages === undefined || messages === null) throw missingField("messages");
  if (!Array.isArray(messages)) throw invalidType("messages", "an array", messages);
  for (const [index, message] of messages.entries()) {
    const where = `messages.${index}`;
    if (!isObject(message)) throw invalidType(where, "an object", message);
    if (message.role !== "user" && message.role !== "assistant") {
      throw invalidValue(`${where}.role`, "expected 'user' or 'assistant'.");
    }
    checkContent(message.content, `${where}.content`);
  }
  const system = body.system;
  if (system !== undefined && system !== null && typeof system !== "string") checkBlocks(system, "system");
  optionalNumber(body, "temperature");
  optionalNumber(body, "top_p");
  optionalInteger(body, "top_k", "top_k", 0);
  const stops = body.stop_sequences;
  if (stops !== undefined && stops !== null) {
    if (!Array.isArray(stops) || !stops.every((stop) => typeof stop === "string")) {
      throw invalidType("stop_sequences", "an array of strings", stops);
    }
  }
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw invalidType("tools", "an array", tools);
    for (const [index, tool] of tools.entries()) {
      if (!isObject(tool) || typeof tool.name !== "string") throw missingField(`tools.${index}.name`);
    }
  }
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null) {
    if (!isObject(choice) || !["auto", "any", "tool", "none"].includes(String(choice.type))) {
      throw invalidValue("tool_choice.type", "expected 'auto', 'any', 'tool' or 'none'.");
    }
    if (choice.type === "tool" && typeof choice.name !== "string") throw missingField("tool_choice.name");
  }
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) {
    throw invalidType("metadata", "an object", body.metadata);
  }
  return body;
}

function checkContent(content: unknown, where: string): void {
  if (typeof content === "string") return;
  if (content === undefined || content === null) throw missingField(where);
  checkBlocks(content, where);
}

function checkBlocks(blocks: unknown, where: string): void {
  if (!Array.isArray(blocks)) throw invalidType(where, "a string or an array of content blocks", blocks);
  for (const [index, block] of blocks.entries()) {
    if (!isObject(block) || typeof block.type !== "string") throw missingField(`${where}.${index}.type`);
  }
}
