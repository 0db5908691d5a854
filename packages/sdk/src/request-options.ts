/** What every call of Floopy's own resources accepts as its optional last argument. */
import type { FloopyOptions } from "./floopy-options.js";

export interface RequestOptions {
  /** Extra request headers; they win over the client's default headers and `options`. */
  headers?: Record<string, string>;
  /** Aborts the call (and any retry still to come); it rejects with `FloopyAbortError`. */
  signal?: AbortSignal;
  /** Milliseconds per attempt, instead of the client's `timeout`. */
  timeout?: number;
  /** Retries for this call, instead of the client's `maxRetries`. */
  maxRetries?: number;
  /** `Floopy-*` header options for this call, merged over the client's, header by header. */
  options?: FloopyOptions;
}
