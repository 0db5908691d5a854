/**
 * The access line: one `info` line per finished request (a stream once it has ended), built from
 * the request record the pipeline already made, so nothing is measured or computed twice. It is
 * on the request path's CPU budget: one pino call with a flat object, no serialising of our own.
 * The key is named by its name and id, never by the key itself; the path is logged without its
 * query string, which may carry a key (Gemini's `?key=`).
 */
import type { Logger } from "pino";

export const ACCESS_MESSAGE = "request";

/** What the line reads from the request record (store/types.ts `RequestLogRecord` has all of it). */
export interface AccessFacts {
  readonly id: string;
  readonly requestedModel: string | null;
  readonly provider: string | null;
  readonly model: string | null;
  readonly stream: boolean;
  readonly status: number;
  readonly errorCode: string | null;
  readonly ttftMs: number | null;
  readonly latencyMs: number;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number } | null;
  readonly usageSource: string | null;
  readonly costUsd: number | null;
  readonly fallbackUsed: boolean;
  readonly attempts: readonly unknown[];
}

export function logAccess(
  logger: Logger,
  request: { readonly method?: string | undefined; readonly url?: string | undefined },
  key: { readonly id: string; readonly name: string } | null,
  facts: AccessFacts,
): void {
  if (!logger.isLevelEnabled("info")) return;
  const url = request.url ?? "";
  const query = url.indexOf("?");
  const usage = facts.usage;
  logger.info(
    {
      requestId: facts.id,
      method: request.method ?? "",
      path: query === -1 ? url : url.slice(0, query),
      status: facts.status,
      keyName: key === null ? null : key.name,
      keyId: key === null ? null : key.id,
      modelRequested: facts.requestedModel,
      modelServed: facts.model,
      provider: facts.provider,
      stream: facts.stream,
      latencyMs: facts.latencyMs,
      // For a JSON answer the first byte is the whole answer: only a stream has a TTFT of its own.
      ttftMs: facts.stream ? facts.ttftMs : null,
      inputTokens: usage === null ? null : usage.promptTokens,
      outputTokens: usage === null ? null : usage.completionTokens,
      usageSource: facts.usageSource,
      costUsd: facts.costUsd,
      fallbackUsed: facts.fallbackUsed,
      attempts: facts.attempts.length,
      errorCode: facts.errorCode,
    },
    ACCESS_MESSAGE,
  );
}
