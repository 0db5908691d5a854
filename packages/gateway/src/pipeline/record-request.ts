/**
 * After-response stage: record-request. Builds the request's log record — the one place records
 * are built, so the one place secrets are redacted —, logs the access line from it and hands it to
 * the bounded queue. Never
 * blocks; a full queue drops and counts.
 */
import { performance } from "node:perf_hooks";
import { logAccess } from "../observability/access-line.js";
import { redactSecrets } from "../records/redact.js";
import type { DecisionRecord, RequestLogRecord } from "../store/types.js";
import type { RequestContext } from "./request-context.js";
import { fallbackUsed } from "./response-headers.js";
import { sessionTurn } from "./session-turn.js";

export function recordRequest(context: RequestContext): void {
  const { services } = context;
  const latencyMs = round(performance.now() - context.startedAt);
  const target = context.upstream?.target;
  const lastAttempt = context.attempts.at(-1);
  const error = context.error;
  const secrets =
    context.presentedKey === null ? services.secrets : [...services.secrets, context.presentedKey];
  const record: RequestLogRecord = {
    id: context.id,
    createdAt: context.receivedAt,
    operation: context.operation,
    ingressProtocol: context.protocol,
    orgId: context.key?.orgId ?? null,
    keyId: context.key?.id ?? null,
    projectId: context.metadata.projectId,
    userId: context.metadata.userId,
    sessionId: context.metadata.sessionId,
    sessionName: context.metadata.sessionName,
    sessionPath: context.metadata.sessionPath,
    properties: context.metadata.properties,
    requestedModel: context.requestedModel,
    // A cache hit names who produced the answer it replayed.
    provider: target?.provider.id ?? context.cache?.hit?.provider ?? lastAttempt?.provider ?? null,
    model: target?.model ?? context.cache?.hit?.model ?? lastAttempt?.model ?? null,
    stream: context.operation === "stream_generate",
    status: context.status,
    errorCode: error ? (error.wireCode ?? error.code) : null,
    errorMessage: error ? redactSecrets(error.message, secrets) : null,
    ttftMs: context.firstByteAt === null ? null : round(context.firstByteAt - context.startedAt),
    latencyMs,
    usage: context.usage,
    usageSource: context.usageSource,
    costUsd: context.costUsd,
    cacheStatus: context.cache?.status ?? null,
    costSavedUsd: context.costSavedUsd,
    fallbackUsed: fallbackUsed(context),
    attempts: context.attempts,
    routingRule: context.decision?.rule ?? null,
    decision: decisionRecord(context),
    experiment: context.experiment,
    turn: sessionTurn(context, secrets),
  };
  logAccess(services.logger, context.response.req, context.key, record);
  // A dry run is not traffic: it leaves no request record (only its access line).
  if (context.operation === "explain" || context.protocol === "floopy-api") return;
  services.records.enqueue(record);
  const provider = record.provider ?? "none";
  services.metrics.requests.inc({
    route: context.route,
    provider,
    model: record.model ?? "none",
    status: String(record.status),
  });
  services.metrics.requestDuration.observe({ route: context.route, provider }, latencyMs / 1000);
  if (record.ttftMs !== null && context.operation === "stream_generate") {
    services.metrics.timeToFirstToken.observe({ route: context.route, provider }, record.ttftMs / 1000);
  }
}

function decisionRecord(context: RequestContext): DecisionRecord | null {
  const decision = context.decision;
  if (!decision) return null;
  return {
    strategy: decision.strategy,
    candidates: decision.candidates.map((candidate) => ({
      provider: candidate.target?.provider.id ?? null,
      model: candidate.target?.model ?? candidate.key,
      source: candidate.source,
      score: candidate.score,
      skipped: candidate.skipped,
      detail: candidate.detail,
      triedAnyway: candidate.triedAnyway,
    })),
    allCircuitsOpen: decision.allCircuitsOpen,
    ...(context.firewall === null ? {} : { firewall: context.firewall }),
    ...(context.cache?.hit
      ? { cache: { status: context.cache.status, similarity: context.cache.similarity } }
      : {}),
    ...(context.experiment === null ? {} : { experiment: context.experiment }),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
