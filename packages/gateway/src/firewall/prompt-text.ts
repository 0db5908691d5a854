/**
 * The text the firewall screens: the system prompt and every message's text, tool results
 * included, whatever the role (an assistant turn can carry content injected in an earlier turn).
 */
import type { ContentPart, GenerateRequest } from "../canonical/types.js";

export function promptText(request: GenerateRequest): string {
  const texts: string[] = [];
  const collect = (parts: readonly ContentPart[]) => {
    for (const part of parts) {
      if (part.type === "text") texts.push(part.text);
      else if (part.type === "tool-result") {
        if (typeof part.content === "string") texts.push(part.content);
        else collect(part.content);
      } else if (part.type === "tool-call") texts.push(part.arguments);
    }
  };
  collect(request.system);
  for (const message of request.messages) collect(message.content);
  return texts.join("\n");
}
