/**
 * Floopy's own API errors (`{"error":{"code","message","feature?"}}`): plain HTTP statuses, the
 * lower-case codes of the registry (or the upper-case one when no lower-case code applies).
 */
import type { GatewayError } from "../../errors/gateway-error.js";
import type { RenderedError } from "../codec.js";

export function floopyApiErrorResponse(error: GatewayError): RenderedError {
  return {
    status: error.status,
    body: {
      error: {
        code: error.wireCode ?? error.code,
        message: error.message,
        ...(error.feature === null ? {} : { feature: error.feature }),
      },
    },
  };
}
