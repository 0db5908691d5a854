/**
 * OpenAI's error vocabulary for the fake: the body `{"error":{message,type,param,code}}`, the
 * messages and codes OpenAI uses for the mistakes the fake validates, and the status defaults.
 */
import type { WireError } from "../fake-server.js";

export function openaiErrorBody(error: WireError): { error: Omit<WireError, "status"> } {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

export function invalidRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): WireError {
  return { status: 400, message, type: "invalid_request_error", param, code };
}

export function missingParameter(param: string): WireError {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
}

export function invalidType(param: string, expected: string, value: unknown): WireError {
  return invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    param,
    "invalid_type",
  );
}

export function invalidValue(param: string, message: string): WireError {
  return invalidRequest(`Invalid '${param}': ${message}`, param, "invalid_value");
}

export const MALFORMED_BODY: WireError = invalidRequest(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
);

export function unknownUrl(method: string, path: string): WireError {
  return {
    status: 404,
    message: `Invalid URL (${method} ${path})`,
    type: "invalid_request_error",
    param: null,
    code: null,
  };
}

export function modelNotFound(model: string): WireError {
  return {
    status: 404,
    message: `The model '${model}' does not exist`,
    type: "invalid_request_error",
    param: "model",
    code: "model_not_found",
  };
}

/** OpenAI's default message and type for an error status. */
export function statusDefaults(status: number): { message: string; type: string } {
  switch (status) {
    case 400:
      return { message: "Bad request.", type: "invalid_request_error" };
    case 401:
      return { message: "Incorrect API key provided.", type: "invalid_request_error" };
    case 403:
      return { message: "You are not allowed to sample from this model.", type: "invalid_request_error" };
    case 404:
      return { message: "Not found.", type: "invalid_request_error" };
    case 429:
      return { message: "Rate limit reached for requests.", type: "requests" };
    case 503:
      return { message: "The engine is currently overloaded, please try again later.", type: "server_error" };
    default:
      return status >= 500
        ? {
            message: "The server had an error while processing your request. Sorry about that!",
            type: "server_error",
          }
        : { message: `Request failed with status ${status}.`, type: "invalid_request_error" };
  }
}

/** OpenAI's masking of a key in "Incorrect API key provided" messages. */
export function maskKey(key: string): string {
  if (key.length <= 8) return `${key.slice(0, 2)}${"*".repeat(Math.max(key.length - 2, 0))}`;
  return `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a decimal";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
