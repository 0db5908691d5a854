/**
 * OpenAI-shaped errors: how the OpenAI routes render a GatewayError (so the `openai` client raises
 * the matching class with `code`, `type` and `param` filled) and how an upstream's error body is
 * read.
 */
import type { GatewayError } from "../../errors/gateway-error.js";
import type { RenderedError } from "../codec.js";
import { callerStatus } from "../shared/status-map.js";
import { isObject } from "../shared/validation.js";
import type { OpenAIErrorBody } from "./types.js";

export function renderChatError(error: GatewayError): OpenAIErrorBody {
  const body: OpenAIErrorBody = {
    error: { message: error.message, type: error.type, param: error.param, code: error.wireCode },
  };
  if (error.attempts.length > 0) {
    body.error.attempts = error.attempts.map((attempt) => ({
      provider: attempt.provider,
      model: attempt.model,
      status: attempt.status,
      error_class: attempt.errorClass,
      latency_ms: attempt.latencyMs,
    }));
  }
  if (error.feature !== null) body.error.feature = error.feature;
  return body;
}

export function chatErrorResponse(error: GatewayError): RenderedError {
  return { status: callerStatus("openai", error.status).status, body: renderChatError(error) };
}

export interface UpstreamErrorDetails {
  message: string;
  type: string | null;
  code: string | null;
  param: string | null;
}

/** Reads an OpenAI-compatible error body; tolerant of vendors that send a string or nothing. */
export function parseChatError(body: unknown, fallbackMessage: string): UpstreamErrorDetails {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error)) {
    return {
      message: typeof error.message === "string" ? error.message : fallbackMessage,
      type: typeof error.type === "string" ? error.type : null,
      code:
        typeof error.code === "string"
          ? error.code
          : typeof error.code === "number"
            ? String(error.code)
            : null,
      param: typeof error.param === "string" ? error.param : null,
    };
  }
  if (typeof error === "string") return { message: error, type: null, code: null, param: null };
  if (isObject(body) && typeof body.message === "string") {
    return { message: body.message, type: null, code: null, param: null };
  }
  return { message: fallbackMessage, type: null, code: null, param: null };
}
