/**
 * The prompt stage (INTERFACE.md `Floopy-Prompt-Id`, `Floopy-Prompt-Version`): on a generation
 * route, the named prompt's version (pinned, or the latest) is read from the control snapshot — no
 * database round trip —, its `{{variable}}`s filled from the body's `inputs`, then the version's
 * defaults, and its messages put before the caller's in the caller's protocol (prompts/). Runs
 * inside decode, before the body is validated, so a body that relies on the prompt for its
 * messages or model is complete when it is checked. An unknown prompt or version is a 404.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { mergePrompt } from "../prompts/merge-prompt.js";
import { fillMessages, type PromptInputs } from "../prompts/prompt-template.js";
import { isGenerationProtocol } from "../protocol/protocols.js";
import { isObject } from "../protocol/shared/validation.js";
import type { RequestContext } from "./request-context.js";
import { requireFeature } from "./require-feature.js";

export function resolvePrompt(context: RequestContext, body: unknown): unknown {
  const promptId = headerValue(context, "floopy-prompt-id");
  if (promptId === null) return body;
  const { protocol } = context;
  if (!isGenerationProtocol(protocol) || !isObject(body)) return body;
  const key = context.key;
  if (key === null) throw new GatewayError("INTERNAL", "resolvePrompt ran before authenticate.");
  requireFeature(context, "prompts");
  const entry = context.services.snapshot.prompt(key.orgId, promptId);
  if (entry === undefined) {
    throw new GatewayError("NOT_FOUND", `There is no prompt '${promptId}'.`, { param: "Floopy-Prompt-Id" });
  }
  const number = promptVersion(context) ?? entry.prompt.latestVersion;
  const version = entry.versions.get(number);
  if (version === undefined) {
    throw new GatewayError("NOT_FOUND", `Prompt '${promptId}' has no version ${number}.`, {
      param: "Floopy-Prompt-Version",
    });
  }
  const inputs: PromptInputs = isObject(body.inputs) ? body.inputs : {};
  if (body.inputs !== undefined && !isObject(body.inputs)) {
    throw new GatewayError("BAD_REQUEST", "inputs must be an object of the prompt's variables.", {
      param: "inputs",
    });
  }
  const messages = fillMessages(version.messages, inputs, version.defaults);
  // The body now differs from the bytes the caller sent: nothing may forward those.
  context.rawBody = undefined;
  context.prompt = { id: promptId, version: number };
  return mergePrompt(protocol, body, messages, version.model);
}

function promptVersion(context: RequestContext): number | null {
  const text = headerValue(context, "floopy-prompt-version");
  if (text === null || text.toLowerCase() === "latest") return null;
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number) || number < 1) {
    throw new GatewayError(
      "BAD_REQUEST",
      "Floopy-Prompt-Version must be a version number (1, 2, …) or 'latest'.",
      {
        param: "Floopy-Prompt-Version",
      },
    );
  }
  return number;
}

function headerValue(context: RequestContext, name: string): string | null {
  const value = context.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === "" ? null : text.trim();
}
