/**
 * The one registry of Floopy's own error codes: every wire code of INTERFACE.md with its HTTP
 * status, its default error `type` (OpenAI's field) and whether the same request may succeed when
 * sent again later (`retryable`). The upper-case codes answer on the generation routes, the
 * lower-case ones on Floopy's own API. `docs/errors.md` documents exactly these codes, in two
 * tables; a test keeps the three in step. An error's status comes from here, except for an
 * upstream's error, which keeps the upstream's status (see `upstreamErrorCode`).
 */
export interface ErrorCodeEntry {
  readonly status: number;
  readonly type: string;
  readonly retryable: boolean;
}

export const errorCodes = {
  // Generation routes.
  BAD_REQUEST: { status: 400, type: "invalid_request_error", retryable: false },
  PROMPT_THREAT_DETECTED: { status: 400, type: "invalid_request_error", retryable: false },
  // OpenAI answers a bad key with this type too, so OpenAI callers see what they know.
  INVALID_API_KEY: { status: 401, type: "invalid_request_error", retryable: false },
  FORBIDDEN: { status: 403, type: "permission_error", retryable: false },
  SUBSCRIPTION_EXPIRED: { status: 403, type: "permission_error", retryable: false },
  NOT_FOUND: { status: 404, type: "not_found_error", retryable: false },
  CONFLICT: { status: 409, type: "invalid_request_error", retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, type: "invalid_request_error", retryable: false },
  RATE_LIMIT_EXCEEDED: { status: 429, type: "rate_limit_error", retryable: true },
  USAGE_LIMIT_EXCEEDED: { status: 429, type: "rate_limit_error", retryable: true },
  MONTHLY_LIMIT_EXCEEDED: { status: 429, type: "rate_limit_error", retryable: false },
  // nginx's convention for a caller that went away: recorded, never sent.
  CLIENT_CLOSED_REQUEST: { status: 499, type: "invalid_request_error", retryable: true },
  INTERNAL: { status: 500, type: "server_error", retryable: true },
  PROVIDER_ERROR: { status: 502, type: "server_error", retryable: true },
  // The provider refused the key the gateway holds: the operator's configuration is at fault, not
  // the caller's key, so never a 401/403 (SDKs would raise AuthenticationError), and sending the
  // same request again does not help until the operator fixes the key.
  PROVIDER_AUTH_FAILED: { status: 502, type: "server_error", retryable: false },
  // WebDAV's "Loop Detected": a provider base URL leads back to this gateway.
  LOOP_DETECTED: { status: 508, type: "server_error", retryable: false },
  SERVICE_UNAVAILABLE: { status: 503, type: "server_error", retryable: true },
  GATEWAY_TIMEOUT: { status: 504, type: "server_error", retryable: true },
  // Floopy's own API (`/v1/…` beyond generation, `/admin/…`).
  invalid_request: { status: 400, type: "invalid_request_error", retryable: false },
  invalid_body: { status: 400, type: "invalid_request_error", retryable: false },
  invalid_request_id: { status: 400, type: "invalid_request_error", retryable: false },
  confirmation_required: { status: 400, type: "invalid_request_error", retryable: false },
  plan_required: { status: 403, type: "permission_error", retryable: false },
  read_permission: { status: 403, type: "permission_error", retryable: false },
  not_found: { status: 404, type: "not_found_error", retryable: false },
  conflict: { status: 409, type: "invalid_request_error", retryable: false },
  body_too_large: { status: 413, type: "invalid_request_error", retryable: false },
  internal: { status: 500, type: "server_error", retryable: true },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof errorCodes;

export function isRetryable(code: ErrorCode): boolean {
  return errorCodes[code].retryable;
}

/**
 * The code an upstream's HTTP error is filed under. The error keeps the upstream's own status
 * (the caller's protocol maps it, see `protocol/shared/status-map.ts`); the code says what kind
 * of failure it is for records, defaults and retry decisions.
 */
export function upstreamErrorCode(status: number): ErrorCode {
  if (status === 429) return "RATE_LIMIT_EXCEEDED";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status >= 500) return "PROVIDER_ERROR";
  return "BAD_REQUEST";
}
