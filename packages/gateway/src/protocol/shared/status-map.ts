/**
 * The one table from an HTTP status a failure carries (Floopy's own, or an upstream's, which may
 * speak another protocol) to what each caller protocol says for it: the status its SDK expects
 * and that protocol's error name. Anthropic signals overload with 529 and knows no 503; OpenAI and
 * Google know no 529; Google's status names each imply one HTTP code. Every protocol's error
 * renderer reads this table, so an Anthropic 529 reaches a Gemini caller as `503 UNAVAILABLE`
 * and an OpenAI 503 reaches an Anthropic caller as `529 overloaded_error`.
 */

export type ErrorFamily = "openai" | "anthropic" | "gemini";

export interface CallerStatus {
  status: number;
  /** Anthropic's error `type` or Google's canonical status; OpenAI's `type` travels with the error. */
  name: string;
}

type Row = Record<ErrorFamily, readonly [number, string]>;

// OpenAI's names are only defaults: an OpenAI-shaped error carries its own `type`.
const table: Record<number, Row> = {
  400: {
    openai: [400, "invalid_request_error"],
    anthropic: [400, "invalid_request_error"],
    gemini: [400, "INVALID_ARGUMENT"],
  },
  401: {
    openai: [401, "authentication_error"],
    anthropic: [401, "authentication_error"],
    gemini: [401, "UNAUTHENTICATED"],
  },
  402: {
    openai: [402, "billing_error"],
    anthropic: [402, "billing_error"],
    gemini: [403, "PERMISSION_DENIED"],
  },
  403: {
    openai: [403, "permission_error"],
    anthropic: [403, "permission_error"],
    gemini: [403, "PERMISSION_DENIED"],
  },
  404: { openai: [404, "not_found_error"], anthropic: [404, "not_found_error"], gemini: [404, "NOT_FOUND"] },
  408: {
    openai: [408, "timeout_error"],
    anthropic: [504, "timeout_error"],
    gemini: [504, "DEADLINE_EXCEEDED"],
  },
  409: {
    openai: [409, "conflict_error"],
    anthropic: [409, "invalid_request_error"],
    gemini: [409, "ABORTED"],
  },
  413: {
    openai: [413, "invalid_request_error"],
    anthropic: [413, "request_too_large"],
    gemini: [413, "INVALID_ARGUMENT"],
  },
  422: {
    openai: [422, "invalid_request_error"],
    anthropic: [400, "invalid_request_error"],
    gemini: [400, "INVALID_ARGUMENT"],
  },
  429: {
    openai: [429, "rate_limit_error"],
    anthropic: [429, "rate_limit_error"],
    gemini: [429, "RESOURCE_EXHAUSTED"],
  },
  499: {
    openai: [499, "invalid_request_error"],
    anthropic: [499, "invalid_request_error"],
    gemini: [499, "CANCELLED"],
  },
  500: { openai: [500, "server_error"], anthropic: [500, "api_error"], gemini: [500, "INTERNAL"] },
  501: { openai: [501, "server_error"], anthropic: [500, "api_error"], gemini: [501, "UNIMPLEMENTED"] },
  502: { openai: [502, "server_error"], anthropic: [502, "api_error"], gemini: [502, "UNAVAILABLE"] },
  503: { openai: [503, "server_error"], anthropic: [529, "overloaded_error"], gemini: [503, "UNAVAILABLE"] },
  504: {
    openai: [504, "server_error"],
    anthropic: [504, "timeout_error"],
    gemini: [504, "DEADLINE_EXCEEDED"],
  },
  529: { openai: [503, "server_error"], anthropic: [529, "overloaded_error"], gemini: [503, "UNAVAILABLE"] },
};

/** Statuses the table does not name: OpenAI keeps them (its clients take any), the others generalise. */
const otherClientError: Row = {
  openai: [400, "invalid_request_error"],
  anthropic: [400, "invalid_request_error"],
  gemini: [400, "FAILED_PRECONDITION"],
};
const otherServerError: Row = {
  openai: [500, "server_error"],
  anthropic: [500, "api_error"],
  gemini: [500, "INTERNAL"],
};

export function callerStatus(family: ErrorFamily, status: number): CallerStatus {
  const row = table[status] ?? (status >= 500 ? otherServerError : otherClientError);
  const [mapped, name] = row[family];
  return { status: family === "openai" && table[status] === undefined ? status : mapped, name };
}
