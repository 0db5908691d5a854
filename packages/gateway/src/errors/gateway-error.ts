/**
 * GatewayError: every failure Floopy itself decides on. Stages throw it; exactly one place (the
 * ingress protocol's error renderer) turns it into an HTTP response.
 */
import type { AttemptRecord } from "./attempt-record.js";
import { type ErrorCode, errorCodes } from "./error-codes.js";

export interface GatewayErrorOptions {
  /** The request field at fault, OpenAI's `param`. */
  param?: string;
  cause?: unknown;
  /** For 429s: whole seconds until the caller may retry. */
  retryAfterSeconds?: number;
  /** For aggregate failures (every target failed): what was tried. */
  attempts?: readonly AttemptRecord[];
  /**
   * An upstream's own status, for upstream errors only (the caller's protocol maps it, see
   * `protocol/shared/status-map.ts`). Floopy's own errors take the registry's status.
   */
  status?: number;
  /** An upstream's own error `type` (OpenAI-shaped bodies); Floopy's own errors take the registry's. */
  type?: string;
  /** Overrides the wire `code` (an upstream's own code, which may be null). */
  wireCode?: string | null;
  /** Extra response headers (e.g. an upstream's Retry-After). */
  headers?: Record<string, string>;
  /** For `plan_required`. */
  feature?: string;
}

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly wireCode: string | null;
  readonly param: string | null;
  readonly retryAfterSeconds: number | null;
  readonly attempts: readonly AttemptRecord[];
  readonly headers: Readonly<Record<string, string>>;
  readonly feature: string | null;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = errorCodes[code];
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = options.type ?? entry.type;
    this.wireCode = options.wireCode === undefined ? code : options.wireCode;
    this.param = options.param ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.attempts = options.attempts ?? [];
    this.headers = options.headers ?? {};
    this.feature = options.feature ?? null;
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
