/**
 * Anthropic-shaped errors: how the Anthropic route renders a GatewayError (so @anthropic-ai/sdk
 * raises the class matching the status) and how an Anthropic error body is read.
 */
import type { GatewayError } from "../../errors/gateway-error.js";
import type { RenderedError, UpstreamErrorDetails } from "../codec.js";
import { callerStatus } from "../shared/status-map.js";
import { isObject } from "../shared/validation.js";
import type { AnthropicErrorBody } from "./types.js";

export function renderAnthropicError(error: GatewayError): AnthropicErrorBody {
  // Floopy's own code travels in the message: Anthropic's error object has no code field.
  const code = error.wireCode === null ? "" : ` (${error.wireCode})`;
  return {
    type: "error",
    error: { type: callerStatus("anthropic", error.status).name, message: `${error.message}${code}` },
  };
}

export function anthropicErrorResponse(error: GatewayError): RenderedError {
  return { status: callerStatus("anthropic", error.status).status, body: renderAnthropicError(error) };
}

export function parseAnthropicError(body: unknown, fallbackMessage: string): UpstreamErrorDetails {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error)) {
    return {
      message: typeof error.message === "string" ? error.message : fallbackMessage,
      type: typeof error.type === "string" ? error.type : null,
      code: null,
      param: null,
    };
  }
  return { message: fallbackMessage, type: null, code: null, param: null };
}
