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
    "floopy-fallback-used": String((context.upstream?.targetIndex ?? 0) > 0),
  };
}

function lastAttemptTarget(context: RequestContext): { provider: string; model: string } | undefined {
  const attempt = context.attempts.at(-1);
  return attempt ? { provider: attempt.provider, model: attempt.model } : undefined;
}
