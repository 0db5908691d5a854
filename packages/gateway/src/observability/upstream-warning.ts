/**
 * The `warn` line of a failed upstream attempt: which provider and model, the error class
 * (upstream/error-class.ts), the status, the attempt's number within the request, and what the
 * gateway does next — tries the same target again, falls back to another, or gives up. Only
 * failures pay for it; a request answered at the first try logs nothing here.
 */
import type { Logger } from "pino";

export const UPSTREAM_FAILURE_MESSAGE = "upstream attempt failed";

export type UpstreamNext =
  | { readonly action: "retry"; readonly inMs: number }
  | { readonly action: "fallback"; readonly to: string }
  | { readonly action: "give_up" };

/** An attempt as dispatch records it (store/types.ts `AttemptRecord`). */
export interface FailedUpstreamAttempt {
  readonly provider: string;
  readonly model: string;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number;
}

export function warnUpstreamFailure(
  logger: Logger,
  requestId: string,
  attempt: FailedUpstreamAttempt,
  attemptNumber: number,
  next: UpstreamNext,
): void {
  logger.warn(
    {
      requestId,
      provider: attempt.provider,
      model: attempt.model,
      errorClass: attempt.errorClass,
      status: attempt.status,
      attempt: attemptNumber,
      latencyMs: attempt.latencyMs,
      next: next.action,
      ...(next.action === "retry" ? { retryInMs: next.inMs } : {}),
      ...(next.action === "fallback" ? { fallbackTo: next.to } : {}),
    },
    UPSTREAM_FAILURE_MESSAGE,
  );
}
