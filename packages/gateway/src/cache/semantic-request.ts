/**
 * What the semantic tiers see of a canonical request: the prompt's text, one text per turn, what
 * makes a request a poor semantic match (tools, images), and a hash of every parameter besides
 * the text, which scopes the search so a near prompt with another temperature, tool set or
 * response format never answers.
 */
import { createHash } from "node:crypto";
import type { ContentPart, GenerateRequest } from "../canonical/types.js";
import { stableStringify } from "./cache-key.js";

export interface SemanticView {
  text: string;
  turns: Array<{ role: string; text: string }>;
  hasImages: boolean;
  hasTools: boolean;
  paramsHash: string;
}

export function semanticView(request: GenerateRequest): SemanticView {
  let hasImages = false;
  let hasTools = (request.tools?.length ?? 0) > 0;
  const textOf = (parts: readonly ContentPart[]): string =>
    parts
      .map((part) => {
        switch (part.type) {
          case "text":
            return part.text;
          case "image":
            hasImages = true;
            return "";
          case "tool-call":
            hasTools = true;
            return `${part.name} ${part.arguments}`;
          case "tool-result":
            hasTools = true;
            return typeof part.content === "string" ? part.content : textOf(part.content);
          default:
            return "";
        }
      })
      .filter((text) => text !== "")
      .join("\n");
  const turns: Array<{ role: string; text: string }> = [];
  const system = textOf(request.system);
  if (system !== "") turns.push({ role: "system", text: system });
  for (const message of request.messages) turns.push({ role: message.role, text: textOf(message.content) });
  const {
    messages: _messages,
    system: _system,
    stream: _stream,
    streamUsage: _usage,
    user: _user,
    ...params
  } = request;
  return {
    text: turns.map((turn) => turn.text).join("\n"),
    turns,
    hasImages,
    hasTools,
    paramsHash: createHash("sha256").update(stableStringify(params)).digest("hex").slice(0, 32),
  };
}
