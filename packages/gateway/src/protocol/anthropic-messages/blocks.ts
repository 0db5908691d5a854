/**
 * Anthropic content blocks -> canonical parts, shared by request decoding (conversation history)
 * and response decoding (the answer). Tool results are not here: only requests carry them, and
 * they become a message of their own.
 */
import type { ContentPart, ImagePart, TextPart } from "../../canonical/types.js";
import type { AnthropicContentBlock, AnthropicImageBlock, AnthropicTextBlock } from "./types.js";

export function textPart(block: AnthropicTextBlock): TextPart {
  const part: TextPart = { type: "text", text: block.text };
  if (block.cache_control !== undefined) part.cacheControl = block.cache_control;
  return part;
}

export function imagePart(block: AnthropicImageBlock): ImagePart {
  return block.source.type === "url"
    ? { type: "image", source: { kind: "url", url: block.source.url } }
    : {
        type: "image",
        source: { kind: "base64", mediaType: block.source.media_type, data: block.source.data },
      };
}

/** The canonical part for a block, or undefined for tool results and block types not carried. */
export function decodeBlock(block: AnthropicContentBlock): ContentPart | undefined {
  switch (block.type) {
    case "text":
      return textPart(block);
    case "image":
      return imagePart(block);
    case "tool_use":
      return {
        type: "tool-call",
        id: block.id,
        name: block.name,
        arguments: JSON.stringify(block.input ?? {}),
      };
    case "thinking":
      return { type: "thinking", text: block.thinking, signature: block.signature };
    case "redacted_thinking":
      return { type: "thinking", text: "", signature: block.data, redacted: true };
    default:
      return undefined;
  }
}
