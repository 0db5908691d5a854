/**
 * Gemini-shaped errors (`{"error":{"code","message","status"}}`, Google's canonical status names),
 * so @google/genai raises its ApiError with the right status, and how a Gemini error body is read.
 */
import type { GatewayError } from "../../errors/gateway-error.js";
import type { UpstreamErrorDetails } from "../codec.js";
import { isObject } from "../shared/validation.js";

export function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 501:
      return "UNIMPLEMENTED";
    case 502:
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

export interface GeminiErrorBody {
  error: { code: number; message: string; status: string };
}

export function renderGeminiError(error: GatewayError): GeminiErrorBody {
  // Gemini's error has no field for Floopy's code, so it travels in the message.
  const code = error.wireCode === null ? "" : ` (${error.wireCode})`;
  return {
    error: { code: error.status, message: `${error.message}${code}`, status: googleStatus(error.status) },
  };
}

export function parseGeminiError(body: unknown, fallbackMessage: string): UpstreamErrorDetails {
  const error = Array.isArray(body)
    ? (body[0] as { error?: unknown } | undefined)?.error
    : isObject(body)
      ? body.error
      : undefined;
  if (isObject(error)) {
    return {
      message: typeof error.message === "string" ? error.message : fallbackMessage,
      type: typeof error.status === "string" ? error.status : null,
      code: typeof error.status === "string" ? error.status : null,
      param: null,
    };
  }
  return { message: fallbackMessage, type: null, code: null, param: null };
}
