/**
 * OpenAI Responses API request -> canonical request, with its validation. A request to OpenAI is
 * passed through untouched, so validation accepts everything OpenAI serves (built-in tools,
 * `previous_response_id`, `store`, reasoning items). Translating for any other provider is where
 * the OpenAI-only parts are refused by name: Floopy keeps no responses to continue, and built-in
 * tools (web search, file search, …) exist only at OpenAI.
 */

import { imageSourceOf } from "../../canonical/parts.js";
import type {
  ContentPart,
  GenerateRequest,
  ImagePart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  WithWarnings,
} from "../../canonical/types.js";
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

export function validateResponsesRequest(body: unknown): JsonObject {
  if (!isObject(body)) throw invalidType("body", "a JSON object", body);
  requiredModel(body);
  const input = body.input;
  if (input === undefined || input === null) throw missingField("input");
  if (typeof input !== "string" && !Array.isArray(input))
    throw invalidType("input", "a string or an array", input);
  if (Array.isArray(input)) {
    for (const [index, item] of input.entries()) {
      if (!isObject(item)) throw invalidType(`input[${index}]`, "an object", item);
    }
  }
  if (
    body.instructions !== undefined &&
    body.instructions !== null &&
    typeof body.instructions !== "string"
  ) {
    throw invalidType("instructions", "a string", body.instructions);
  }
  optionalInteger(body, "max_output_tokens", "max_output_tokens", 1);
  optionalNumber(body, "temperature");
  optionalNumber(body, "top_p");
  optionalBoolean(body, "stream");
  optionalBoolean(body, "parallel_tool_calls");
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw invalidType("tools", "an array", tools);
    for (const [index, tool] of tools.entries()) {
      if (!isObject(tool)) throw invalidType(`tools[${index}]`, "an object", tool);
      if (typeof tool.type !== "string") throw missingField(`tools[${index}].type`);
      if (tool.type === "function" && typeof tool.name !== "string")
        throw missingField(`tools[${index}].name`);
    }
  }
  return body;
}

/** Only OpenAI serves these; a request carrying them cannot be translated for anyone else. */
function refuseOpenAIOnly(body: JsonObject): void {
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw invalidValue(
      "previous_response_id",
      "Floopy does not store responses, so it cannot continue one for a provider other than OpenAI; send the whole conversation in 'input'.",
    );
  }
  for (const [index, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    if (isObject(tool) && tool.type !== "function") {
      throw invalidValue(
        `tools[${index}].type`,
        `the built-in tool '${String(tool.type)}' is only available at OpenAI itself.`,
      );
    }
  }
}

export function decodeResponsesRequest(body: JsonObject): WithWarnings<GenerateRequest> {
  refuseOpenAIOnly(body);
  const warnings: string[] = [];
  const system: TextPart[] = [];
  if (typeof body.instructions === "string" && body.instructions !== "") {
    system.push({ type: "text", text: body.instructions });
  }
  const messages: Message[] = [];
  const input =
    typeof body.input === "string" ? [{ role: "user", content: body.input }] : (body.input as JsonObject[]);
  for (const item of input) decodeItem(item, system, messages, warnings);
  const request: GenerateRequest = {
    model: String(body.model),
    system,
    messages,
    stream: body.stream === true,
  };
  if (typeof body.max_output_tokens === "number") request.maxTokens = body.max_output_tokens;
  if (typeof body.temperature === "number") request.temperature = body.temperature;
  if (typeof body.top_p === "number") request.topP = body.top_p;
  if (typeof body.user === "string") request.user = body.user;
  if (typeof body.parallel_tool_calls === "boolean") request.parallelToolCalls = body.parallel_tool_calls;
  if (isObject(body.reasoning) && typeof body.reasoning.effort === "string") {
    request.reasoningEffort = body.reasoning.effort;
  }
  if (Array.isArray(body.tools)) {
    request.tools = (body.tools as JsonObject[]).map((tool) => {
      const definition: NonNullable<GenerateRequest["tools"]>[number] = { name: String(tool.name) };
      if (typeof tool.description === "string") definition.description = tool.description;
      if (isObject(tool.parameters)) definition.parameters = tool.parameters;
      if (typeof tool.strict === "boolean") definition.strict = tool.strict;
      return definition;
    });
  }
  const choice = decodeToolChoice(body.tool_choice);
  if (choice !== undefined) request.toolChoice = choice;
  const format = isObject(body.text) ? decodeFormat(body.text.format) : undefined;
  if (format) request.responseFormat = format;
  return { value: request, warnings };
}

function decodeItem(item: JsonObject, system: TextPart[], messages: Message[], warnings: string[]): void {
  const type = item.type ?? "message";
  if (type === "message") {
    const role = item.role;
    const content = decodeContent(item.content, warnings);
    if (role === "system" || role === "developer") {
      system.push(...content.filter((part): part is TextPart => part.type === "text"));
      return;
    }
    append(messages, role === "assistant" ? "assistant" : "user", content);
    return;
  }
  if (type === "function_call") {
    append(messages, "assistant", [
      {
        type: "tool-call",
        id: String(item.call_id ?? ""),
        name: String(item.name ?? ""),
        arguments: String(item.arguments ?? ""),
      },
    ]);
    return;
  }
  if (type === "function_call_output") {
    const output = item.output;
    messages.push({
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: String(item.call_id ?? ""),
          content:
            typeof output === "string"
              ? output
              : decodeContent(output, warnings).filter(
                  (part): part is TextPart | ImagePart => part.type === "text" || part.type === "image",
                ),
        },
      ],
    });
    return;
  }
  warnings.push(`input item of type '${String(type)}' is not carried`);
}

/** Consecutive function calls belong to one assistant turn. */
function append(messages: Message[], role: "user" | "assistant", content: ContentPart[]): void {
  const last = messages.at(-1);
  if (
    role === "assistant" &&
    last?.role === "assistant" &&
    content.every((part) => part.type === "tool-call")
  ) {
    last.content.push(...content);
    return;
  }
  messages.push({ role, content });
}

function decodeContent(content: unknown, warnings: string[]): ContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) return [];
  const parts: ContentPart[] = [];
  for (const part of content) {
    if (!isObject(part)) continue;
    if ((part.type === "input_text" || part.type === "output_text") && typeof part.text === "string") {
      parts.push({ type: "text", text: part.text });
    } else if (part.type === "input_image" && typeof part.image_url === "string") {
      const image: ImagePart = { type: "image", source: imageSourceOf(part.image_url) };
      if (part.detail === "low" || part.detail === "high" || part.detail === "auto")
        image.detail = part.detail;
      parts.push(image);
    } else {
      warnings.push(`content part of type '${String(part.type)}' is not carried`);
    }
  }
  return parts;
}

function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  if (isObject(choice) && choice.type === "function" && typeof choice.name === "string")
    return { name: choice.name };
  return undefined;
}

function decodeFormat(format: unknown): ResponseFormat | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    const decoded: ResponseFormat = {
      type: "json_schema",
      name: String(format.name ?? "response"),
      schema: isObject(format.schema) ? format.schema : {},
    };
    if (typeof format.strict === "boolean") decoded.strict = format.strict;
    if (typeof format.description === "string") decoded.description = format.description;
    return decoded;
  }
  return undefined;
}
