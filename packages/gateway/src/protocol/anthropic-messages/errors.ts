/**
 * Anthropic-shaped errors: how the Anthropic route renders a GatewayError (so @anthropic-ai/sdk
 * raises the class matching the status) and how an Anthropic error body is read.
 */
import type { GatewayError } from "../../errors/gateway-error.js";
import type { UpstreamErrorDetails } from "../codec.js";
import { isObject } from "../shared/validation.js";
import type { AnthropicErrorBody } from "./types.js";

/** Anthropic's error `type` for each HTTP status, as its API reference lists them. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

export function renderAnthropicError(error: GatewayError): AnthropicErrorBody {
  // Floopy's own code travels in the message: Anthropic's error object has no code field.
  const code = error.wireCode === null ? "" : ` (${error.wireCode})`;
  return {
    type: "error",
    error: { type: anthropicErrorType(error.status), message: `${error.message}${code}` },
  };
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
