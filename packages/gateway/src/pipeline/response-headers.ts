/**
 * The headers every response carries (INTERFACE.md "Response headers"), errors included. Before a
 * target is known, provider and model read `none`.
 */
import type { RequestContext } from "./request-context.js";

export function floopyHeaders(context: RequestContext): Record<string, string> {
  const answered = context.upstream?.target;
  const target = answered
    ? { provider: answered.provider.id, model: answered.model }
    : lastAttemptTarget(context);
  return {
    "floopy-request-id": context.id,
    "x-request-id": context.id,
    "floopy-provider": target?.provider ?? "none",
    "floopy-model": target?.model ?? "none",
    "floopy-fallback-used": String(fallbackUsed(context)),
  };
}

/**
 * Whether a target other than the primary answered: one tried later, or one that answered first
 * because the primary was skipped (its circuit open).
 */
export function fallbackUsed(context: RequestContext): boolean {
  const upstream = context.upstream;
  if (!upstream) return false;
  if (upstream.targetIndex > 0) return true;
  const primary = context.decision?.candidates[0]?.target;
  return primary !== undefined && primary !== upstream.target;
}

function lastAttemptTarget(context: RequestContext): { provider: string; model: string } | undefined {
  const attempt = context.attempts.at(-1);
  return attempt ? { provider: attempt.provider, model: attempt.model } : undefined;
}
