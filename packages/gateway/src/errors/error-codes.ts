/**
 * The one registry of Floopy's own error codes: the wire codes of INTERFACE.md with their HTTP
 * status and whether a failover may retry them. `docs/errors.md` documents exactly these codes;
 * a test keeps the two in step.
 */
export const errorCodes = {
  BAD_REQUEST: { status: 400, type: "invalid_request_error" },
  PROMPT_THREAT_DETECTED: { status: 400, type: "invalid_request_error" },
  INVALID_API_KEY: { status: 401, type: "authentication_error" },
  plan_required: { status: 403, type: "permission_error" },
  FORBIDDEN: { status: 403, type: "permission_error" },
  SUBSCRIPTION_EXPIRED: { status: 403, type: "permission_error" },
  NOT_FOUND: { status: 404, type: "not_found_error" },
  CONFLICT: { status: 409, type: "invalid_request_error" },
  PAYLOAD_TOO_LARGE: { status: 413, type: "invalid_request_error" },
  RATE_LIMIT_EXCEEDED: { status: 429, type: "rate_limit_error" },
  USAGE_LIMIT_EXCEEDED: { status: 429, type: "rate_limit_error" },
  MONTHLY_LIMIT_EXCEEDED: { status: 429, type: "rate_limit_error" },
  INTERNAL: { status: 500, type: "server_error" },
  PROVIDER_ERROR: { status: 502, type: "server_error" },
  SERVICE_UNAVAILABLE: { status: 503, type: "server_error" },
  GATEWAY_TIMEOUT: { status: 504, type: "server_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof errorCodes;
