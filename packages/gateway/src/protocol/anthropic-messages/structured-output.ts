/**
 * JSON answers on Anthropic. A JSON schema goes as Anthropic's native structured output
 * (`output_config.format`), so the text answer is guaranteed to match it. JSON mode without a
 * schema has no native form (Anthropic's schemas must close every object), so it goes as a
 * forced tool whose input is the answer: a tool input is always a JSON object. The tool's call
 * comes back as the answer's text, in JSON and in streams. Where forcing a tool is impossible
 * (the caller brought tools of its own, or thinking is on, which Anthropic does not allow with a
 * forced tool) the instruction in the system prompt is the fallback, with a warning.
 */
import type { ResponseFormat } from "../../canonical/types.js";
import { isObject } from "../shared/validation.js";
import type { AnthropicRequest } from "./types.js";

/** Reserved tool name; a caller's own tool of this name would be read as the JSON answer. */
export const JSON_ANSWER_TOOL = "json_answer";

const JSON_ONLY = "Respond with only a valid JSON object, without any other text.";

/** Applies a response format to an encoded body; returns the warnings of what it could not carry. */
export function applyResponseFormat(body: AnthropicRequest, format: ResponseFormat | undefined): string[] {
  if (format === undefined || format.type === "text") return [];
  if (format.type === "json_schema") {
    body.output_config = { format: { type: "json_schema", schema: format.schema } };
    return [];
  }
  if ((body.tools?.length ?? 0) > 0 || body.thinking?.type === "enabled") {
    body.system =
      typeof body.system === "string" || body.system === undefined
        ? [body.system, JSON_ONLY].filter((text) => text !== undefined && text !== "").join("\n\n")
        : [...body.system, { type: "text", text: JSON_ONLY }];
    return [
      "response_format json_object is sent to Anthropic as a system instruction (tools or thinking rule out a forced JSON tool)",
    ];
  }
  body.tools = [
    {
      name: JSON_ANSWER_TOOL,
      description: "Give your answer as this tool's input: the JSON object the user asked for.",
      input_schema: { type: "object" },
    },
  ];
  body.tool_choice = { type: "tool", name: JSON_ANSWER_TOOL };
  return [];
}

/** An Anthropic caller's `output_config.format`, as a canonical response format. */
export function decodeOutputFormat(outputConfig: unknown): ResponseFormat | undefined {
  const format = isObject(outputConfig) ? outputConfig.format : undefined;
  if (!isObject(format) || format.type !== "json_schema" || !isObject(format.schema)) return undefined;
  return { type: "json_schema", name: "response", schema: format.schema };
}
