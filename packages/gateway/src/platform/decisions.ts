/**
 * `GET /v1/decisions/{request_id}` and `GET /v1/decisions` read routing decisions from the events
 * store, scoped to the caller's org: another org's request is a 404, never a 403 that would
 * confirm it exists. Listing is newest first with an opaque cursor.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { dateParam, encodeCursor, keysetCursor, pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { DecisionQuery, RequestLogRecord } from "../store/types.js";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export const decisionRoutes: readonly IngressRoute[] = [
  {
    method: "GET",
    url: "/v1/decisions",
    protocol: "floopy-api",
    operation: "list_decisions",
    route: "decisions",
    bodyLimit: "admin",
    stages: [authenticate, answerDecisions],
  },
  {
    method: "GET",
    url: "/v1/decisions/:id",
    protocol: "floopy-api",
    operation: "get_decision",
    route: "decisions",
    bodyLimit: "admin",
    stages: [authenticate, answerDecisions],
  },
];

async function answerDecisions(context: RequestContext): Promise<StageResponse> {
  const orgId = context.key?.orgId;
  if (!orgId) throw new GatewayError("INVALID_API_KEY", "A Floopy key is required.");
  const events = context.services.stores.events;
  if (context.operation === "get_decision") {
    const id = context.params.id ?? "";
    const record = await events.getRequestLog(id);
    if (!record || record.orgId !== orgId || record.decision === null) {
      throw new GatewayError("not_found", `No routing decision for request '${id}'.`);
    }
    return { status: 200, body: decisionObject(record) };
  }
  const query = decisionQuery(context.params, orgId, context.services.cursorSecret);
  // One more than asked says whether another page exists without a count query.
  const records = await events.listDecisions({ ...query, limit: query.limit + 1 });
  const page = records.slice(0, query.limit);
  const last = page.at(-1);
  return {
    status: 200,
    body: {
      object: "list",
      items: page.map(decisionObject),
      has_more: records.length > query.limit,
      next_cursor:
        records.length > query.limit && last
          ? encodeCursor([last.createdAt.getTime(), last.id], context.services.cursorSecret)
          : null,
    },
  };
}

function decisionQuery(
  params: Readonly<Record<string, string>>,
  orgId: string,
  secret: Buffer,
): DecisionQuery {
  const query: DecisionQuery = { orgId, limit: pageLimit(params.limit, DEFAULT_LIMIT, MAX_LIMIT) };
  if (params.cursor !== undefined) query.after = keysetCursor(params.cursor, secret);
  for (const bound of ["from", "to"] as const) {
    const date = dateParam(params, bound);
    if (date !== undefined) query[bound] = date;
  }
  if (params.model !== undefined) query.model = params.model;
  if (params.provider !== undefined) query.provider = params.provider;
  if (params.routing_rule_id !== undefined) query.rule = params.routing_rule_id;
  if (params.status !== undefined) {
    const status = Number(params.status);
    if (!Number.isInteger(status))
      throw new GatewayError("invalid_request", "status must be an integer.", {
        param: "status",
      });
    query.status = status;
  }
  return query;
}

/** A decision as the own API answers it (lists, the export). */
export function decisionObject(record: RequestLogRecord) {
  return {
    object: "routing.decision",
    request_id: record.id,
    created_at: record.createdAt.toISOString(),
    requested_model: record.requestedModel,
    rule: record.routingRule,
    strategy: record.decision?.strategy ?? null,
    candidates: (record.decision?.candidates ?? []).map((candidate) => ({
      provider: candidate.provider,
      model: candidate.model,
      source: candidate.source,
      score: candidate.score,
      skipped: candidate.skipped,
      detail: candidate.detail ?? null,
      tried_anyway: candidate.triedAnyway ?? false,
    })),
    all_circuits_open: record.decision?.allCircuitsOpen ?? false,
    experiment_id: record.experiment?.id ?? null,
    variant: record.experiment?.variant ?? null,
    attempts: record.attempts.map((attempt) => ({
      provider: attempt.provider,
      model: attempt.model,
      status: attempt.status,
      error_class: attempt.errorClass,
      latency_ms: attempt.latencyMs,
    })),
    provider: record.provider,
    model: record.model,
    status: record.status,
    fallback_used: record.fallbackUsed,
  };
}
