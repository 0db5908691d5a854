/**
 * Gemini-shaped errors (`{"error":{"code","message","status"}}`, Google's canonical status names),
 * so @google/genai raises its ApiError with the right status, and how a Gemini error body is read.
 */
import type { GatewayError } from "../../errors/gateway-error.js";
import type { RenderedError, UpstreamErrorDetails } from "../codec.js";
import { callerStatus } from "../shared/status-map.js";
import { isObject } from "../shared/validation.js";

export interface GeminiErrorBody {
  error: { code: number; message: string; status: string };
}

export function renderGeminiError(error: GatewayError): GeminiErrorBody {
  // Gemini's error has no field for Floopy's code, so it travels in the message.
  const code = error.wireCode === null ? "" : ` (${error.wireCode})`;
  const { status, name } = callerStatus("gemini", error.status);
  return { error: { code: status, message: `${error.message}${code}`, status: name } };
}

export function geminiErrorResponse(error: GatewayError): RenderedError {
  const body = renderGeminiError(error);
  return { status: body.error.code, body };
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
