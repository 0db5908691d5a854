/**
 * Turns a failed HTTP answer into the matching `FloopyError` subclass. Own-API bodies are
 * `{"error":{"code","message","feature?"}}`; generation-route bodies (`/v1/routing/explain`
 * answers like the chat route) are OpenAI's `{"error":{"message","type","code","param"}}`. Both
 * fit the same reading. Only the gateway's message is kept, never the body itself.
 */
import {
  FloopyAuthError,
  FloopyConflictError,
  FloopyError,
  type FloopyErrorDetails,
  FloopyNotFoundError,
  FloopyPlanError,
  FloopyRateLimitError,
  FloopyServerError,
  FloopyValidationError,
} from "./errors.js";
import { retryAfterMs } from "./retry-policy.js";

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  feature?: unknown;
  request_id?: unknown;
}

export function errorFromResponse(status: number, headers: Headers, bodyText: string): FloopyError {
  const body = errorBody(bodyText);
  const code = typeof body.code === "string" ? body.code : undefined;
  const message =
    typeof body.message === "string" && body.message !== "" ? body.message : `HTTP ${status} from Floopy`;
  const bodyRequestId = typeof body.request_id === "string" ? body.request_id : undefined;
  const details: FloopyErrorDetails = {
    status,
    code,
    requestId: headers.get("floopy-request-id") ?? headers.get("x-request-id") ?? bodyRequestId,
    headers,
  };
  const text = `${status} ${message}`;
  if (status === 401) return new FloopyAuthError(text, details);
  if (status === 403) {
    if (typeof body.feature === "string") return new FloopyPlanError(text, body.feature, details);
    // A plan refusal that does not name its feature is still about the plan, not the key.
    if (code === "plan_required") return new FloopyPlanError(text, "", details);
    return new FloopyAuthError(text, details);
  }
  if (status === 400 || status === 422) return new FloopyValidationError(text, details);
  if (status === 404) return new FloopyNotFoundError(text, details);
  if (status === 409) return new FloopyConflictError(text, details);
  if (status === 429) {
    const delay = retryAfterMs(headers);
    return new FloopyRateLimitError(text, delay === undefined ? undefined : delay / 1000, details);
  }
  if (status >= 500) return new FloopyServerError(text, details);
  return new FloopyError(text, details);
}

function errorBody(text: string): ErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && "error" in parsed) {
      const inner = (parsed as { error: unknown }).error;
      if (inner !== null && typeof inner === "object") {
        const requestId = (parsed as { request_id?: unknown }).request_id;
        return { request_id: requestId, ...(inner as ErrorBody) };
      }
      if (typeof inner === "string") return { message: inner };
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status says enough.
  }
  return {};
}
