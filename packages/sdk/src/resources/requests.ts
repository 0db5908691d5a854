/** `GET /v1/requests` and `GET /v1/requests/{id}`: the org's request log. */
import type { PagePromise } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query } from "../transport.js";
import { FLAT, fromWire, toWire, type WireShape } from "../wire-case.js";
import { DECISION_SHAPE, type Decision, type DecisionAttempt } from "./decisions.js";
import { Resource, segment } from "./resource.js";

export interface RequestUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

export interface RequestRecord {
  object: "request";
  requestId: string;
  createdAt: string;
  /** The route called, e.g. `/v1/chat/completions`. */
  route: string;
  operation?: string;
  keyId: string | null;
  projectId: string | null;
  userId: string | null;
  sessionId: string | null;
  /** The `floopy-property-*` values, keys exactly as sent. */
  properties: Record<string, string>;
  requestedModel?: string | null;
  provider: string | null;
  model: string | null;
  stream?: boolean;
  status: number;
  errorCode: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
  usage: RequestUsage | null;
  costUsd: number | null;
  costSavedUsd?: number | null;
  cacheStatus: string | null;
  fallbackUsed: boolean;
}

export interface RequestDetail extends RequestRecord {
  decision: Decision | null;
  attempts: DecisionAttempt[];
}

export interface RequestListQuery {
  from?: Date | string;
  to?: Date | string;
  model?: string;
  provider?: string;
  status?: number;
  keyId?: string;
  projectId?: string;
  userId?: string;
  sessionId?: string;
  /** `property.<name>=<value>` filters, all of which must match. */
  properties?: Record<string, string>;
  limit?: number;
  cursor?: string;
}

const RECORD_SHAPE: WireShape = { usage: FLAT };
const DETAIL_SHAPE: WireShape = { usage: FLAT, decision: DECISION_SHAPE, attempts: FLAT };

function requestQuery(query: RequestListQuery): Query {
  const { properties, ...rest } = query;
  const wire = toWire(rest) as Record<string, string | number>;
  // Property names are the caller's own: never re-cased.
  for (const [name, value] of Object.entries(properties ?? {})) wire[`property.${name}`] = value;
  return wire;
}

export class Requests extends Resource {
  /**
   * One request record, with its routing decision and attempts.
   *
   * @example
   * const record = await client.requests.get(requestId);
   * console.log(record.status, record.usage?.outputTokens, record.decision?.strategy);
   */
  async get(requestId: string, options?: RequestOptions): Promise<RequestDetail> {
    const body = await this.transport.json(
      { method: "GET", path: `/requests/${segment(requestId)}` },
      options,
    );
    return fromWire(body, DETAIL_SHAPE) as RequestDetail;
  }

  /**
   * One page of request records, newest first.
   *
   * @example
   * const page = await client.requests.list({ userId: "user-42", properties: { team: "search" } });
   */
  list(query: RequestListQuery = {}, options?: RequestOptions): PagePromise<RequestRecord> {
    return this.page("/requests", requestQuery(query), RECORD_SHAPE, options);
  }

  /**
   * Every request record matching `query`, across pages.
   *
   * @example
   * for await (const record of client.requests.iterate({ status: 429 })) console.log(record.requestId);
   */
  iterate(
    query: RequestListQuery = {},
    options?: RequestOptions,
  ): AsyncGenerator<RequestRecord, void, undefined> {
    return this.everyItem("/requests", requestQuery(query), RECORD_SHAPE, options);
  }
}
