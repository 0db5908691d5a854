/**
 * The errors Floopy's own API answers, as classes a caller can `instanceof`: one base
 * `FloopyError` carrying `status`, `code` and `requestId`, a subclass per kind of failure. An error
 * never carries the API key or a request body: only what the gateway said (its status, code and
 * message) and the id to quote when asking about it.
 */

export interface FloopyErrorDetails {
  /** The HTTP status, or undefined when no response came (timeout, connection, abort). */
  status?: number | undefined;
  /** The gateway's error code (`not_found`, `plan_required`, …) or one of the SDK's own. */
  code?: string | undefined;
  /** The `Floopy-Request-Id` of the failed call, when the gateway answered. */
  requestId?: string | undefined;
  /** The response headers, when the gateway answered. */
  headers?: Headers | undefined;
  cause?: unknown;
}

export class FloopyError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly headers: Headers | undefined;

  constructor(message: string, details: FloopyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.headers = details.headers;
  }
}

/** 401, or a 403 that is not about the plan: the key is missing, unknown, revoked or not allowed. */
export class FloopyAuthError extends FloopyError {}

/** 403 with a `feature`: the org's plan does not include that feature. */
export class FloopyPlanError extends FloopyError {
  /** The plan feature the org lacks (e.g. `decision_export`); "" when the gateway did not name it. */
  readonly feature: string;

  constructor(message: string, feature: string, details: FloopyErrorDetails = {}) {
    super(message, details);
    this.feature = feature;
  }
}

/** 429: a rate, token or spend limit; `retryAfterSeconds` is the gateway's `Retry-After`. */
export class FloopyRateLimitError extends FloopyError {
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, retryAfterSeconds: number | undefined, details: FloopyErrorDetails = {}) {
    super(message, details);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 400 or 422: the request is malformed or invalid; the message names the field. */
export class FloopyValidationError extends FloopyError {}

/** 404: no such resource (another org's resource answers the same). */
export class FloopyNotFoundError extends FloopyError {}

/** 409: the write conflicts with the current state (e.g. cancelling a finished evaluation). */
export class FloopyConflictError extends FloopyError {}

/** 5xx: the gateway or every provider behind it failed. */
export class FloopyServerError extends FloopyError {}

/** No answer within the timeout, after every retry. */
export class FloopyTimeoutError extends FloopyError {}

/** The gateway could not be reached (refused, reset, DNS), after every retry. */
export class FloopyConnectionError extends FloopyError {}

/** The caller's own `signal` aborted the call; never retried. */
export class FloopyAbortError extends FloopyError {}

/**
 * A decision export that cannot be trusted: no trailer, more bytes after it, or a byte count or
 * SHA-256 that does not match what arrived. The rows read so far may be incomplete or altered.
 */
export class FloopyExportIntegrityError extends FloopyError {}
