/**
 * The request log (INTERFACE.md "Shapes the table leaves open"): `GET /v1/requests`, the caller's
 * org's records newest first, filtered and keyset-paged with a signed cursor, and
 * `GET /v1/requests/{id}`, one record with its routing decision and attempts. Another org's
 * request answers exactly as a missing one. What operators otherwise read with `sqlite3`.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { dateParam, encodeCursor, keysetCursor, pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { RequestLogQuery, RequestLogRecord } from "../store/types.js";
import { decisionObject } from "./decisions.js";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const PROPERTY = "property.";

export const requestRoutes: readonly IngressRoute[] = [
  {
    method: "GET",
    url: "/v1/requests",
    protocol: "floopy-api",
    operation: "list_requests",
    route: "requests",
    bodyLimit: "admin",
    stages: [authenticate, answerRequests],
  },
  {
    method: "GET",
    url: "/v1/requests/:id",
    protocol: "floopy-api",
    operation: "get_request",
    route: "requests",
    bodyLimit: "admin",
    stages: [authenticate, answerRequests],
  },
];

async function answerRequests(context: RequestContext): Promise<StageResponse> {
  const orgId = context.key?.orgId;
  if (!orgId) throw new GatewayError("INVALID_API_KEY", "A Floopy key is required.");
  const events = context.services.stores.events;
  const secret = context.services.cursorSecret;
  if (context.operation === "get_request") {
    const id = context.params.id ?? "";
    const record = await events.getRequestLog(id);
    if (!record || record.orgId !== orgId) throw new GatewayError("not_found", `No request '${id}'.`);
    const decision = record.decision === null ? null : decisionObject(record);
    return {
      status: 200,
      body: {
        ...requestObject(record),
        decision,
        attempts: decision?.attempts ?? record.attempts.map(attemptObject),
      },
    };
  }
  const query = requestQuery(context.params, orgId, secret);
  // One more than asked says whether another page exists without a count query.
  const records = await events.listRequestLogs({ ...query, limit: query.limit + 1 });
  const page = records.slice(0, query.limit);
  const last = page.at(-1);
  const more = records.length > query.limit;
  return {
    status: 200,
    body: {
      object: "list",
      items: page.map(requestObject),
      has_more: more,
      next_cursor: more && last ? encodeCursor([last.createdAt.getTime(), last.id], secret) : null,
    },
  };
}

function requestQuery(
  params: Readonly<Record<string, string>>,
  orgId: string,
  secret: Buffer,
): RequestLogQuery {
  const query: RequestLogQuery = { orgId, limit: pageLimit(params.limit, DEFAULT_LIMIT, MAX_LIMIT) };
  if (params.cursor !== undefined) query.after = keysetCursor(params.cursor, secret);
  for (const bound of ["from", "to"] as const) {
    const date = dateParam(params, bound);
    if (date !== undefined) query[bound] = date;
  }
  if (params.status !== undefined) {
    const status = Number(params.status);
    if (!/^\d{3}$/.test(params.status)) {
      throw new GatewayError("invalid_request", "status must be an HTTP status code.", { param: "status" });
    }
    query.status = status;
  }
  const text = {
    model: "model",
    provider: "provider",
    key_id: "keyId",
    project_id: "projectId",
    user_id: "userId",
    session_id: "sessionId",
  } as const;
  for (const [param, field] of Object.entries(text) as Array<
    [keyof typeof text, (typeof text)[keyof typeof text]]
  >) {
    const value = params[param];
    if (value !== undefined) query[field] = value;
  }
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!name.startsWith(PROPERTY)) continue;
    const property = name.slice(PROPERTY.length);
    if (property === "")
      throw new GatewayError("invalid_request", "property. needs a name.", { param: name });
    properties[property] = value;
  }
  if (Object.keys(properties).length > 0) query.properties = properties;
  return query;
}

const ROUTES: Readonly<Record<string, string>> = {
  "openai-chat": "/v1/chat/completions",
  "openai-responses": "/v1/responses",
  "openai-embeddings": "/v1/embeddings",
  "anthropic-messages": "/v1/messages",
  gemini: "/v1beta/models",
};

function requestObject(record: RequestLogRecord) {
  const usage = record.usage;
  return {
    object: "request",
    request_id: record.id,
    created_at: record.createdAt.toISOString(),
    route: ROUTES[record.ingressProtocol] ?? record.ingressProtocol,
    operation: record.operation,
    key_id: record.keyId,
    project_id: record.projectId,
    user_id: record.userId,
    session_id: record.sessionId,
    properties: record.properties,
    requested_model: record.requestedModel,
    provider: record.provider,
    model: record.model,
    stream: record.stream,
    status: record.status,
    error_code: record.errorCode,
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    usage:
      usage === null
        ? null
        : {
            input_tokens: usage.promptTokens,
            output_tokens: usage.completionTokens,
            cached_tokens: usage.cachedTokens,
            reasoning_tokens: usage.reasoningTokens,
          },
    cost_usd: record.costUsd,
    cost_saved_usd: record.costSavedUsd,
    cache_status: record.cacheStatus,
    fallback_used: record.fallbackUsed,
  };
}

function attemptObject(attempt: RequestLogRecord["attempts"][number]) {
  return {
    provider: attempt.provider,
    model: attempt.model,
    status: attempt.status,
    error_class: attempt.errorClass,
    latency_ms: attempt.latencyMs,
  };
}
