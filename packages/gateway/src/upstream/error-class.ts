/**
 * Classifies an upstream failure for failover decisions and for the attempt list of a 502.
 * Pure: looks only at the error's code/name and the status.
 */

export type UpstreamErrorClass =
  | "connect_timeout"
  | "first_byte_timeout"
  | "idle_timeout"
  | "connection_error"
  | "forbidden_address"
  | "aborted"
  | "deadline"
  | "http_429"
  | "http_5xx"
  | "http_4xx"
  | "malformed_response";

export function classifyUpstreamError(error: unknown): UpstreamErrorClass {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connect_timeout";
    case "UND_ERR_HEADERS_TIMEOUT":
      return "first_byte_timeout";
    case "UND_ERR_BODY_TIMEOUT":
      return "idle_timeout";
    case "EFORBIDDENADDRESS":
      return "forbidden_address";
    case "UND_ERR_ABORTED":
      return "aborted";
  }
  if (name === "AbortError" || name === "TimeoutError") return "aborted";
  return "connection_error";
}

export function classifyStatus(status: number): UpstreamErrorClass | null {
  if (status === 429) return "http_429";
  if (status >= 500) return "http_5xx";
  if (status >= 400) return "http_4xx";
  return null;
}

/** Whether trying another target (or the same one again) can help. */
export function isFailoverable(errorClass: UpstreamErrorClass): boolean {
  return errorClass !== "http_4xx" && errorClass !== "aborted" && errorClass !== "deadline";
}

export function isTimeout(errorClass: UpstreamErrorClass): boolean {
  return (
    errorClass === "connect_timeout" ||
    errorClass === "first_byte_timeout" ||
    errorClass === "idle_timeout" ||
    errorClass === "deadline"
  );
}
