/** `GET /v1/decisions/{request_id}` and `GET /v1/decisions`: how each request was routed. */
import type { PagePromise } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query } from "../transport.js";
import { FLAT, fromWire, toWire, type WireShape } from "../wire-case.js";
import { Resource, segment } from "./resource.js";

export interface DecisionCandidate {
  provider: string | null;
  model: string;
  source: string;
  score: number | null;
  /** Why the candidate was skipped (`circuit_open`, …), or null when it was usable. */
  skipped: string | null;
  detail: string | null;
  triedAnyway: boolean;
}

export interface DecisionAttempt {
  provider: string;
  model: string;
  status: number | null;
  errorClass: string | null;
  latencyMs: number | null;
}

export interface Decision {
  object: "routing.decision";
  requestId: string;
  createdAt: string;
  requestedModel: string | null;
  /** The routing rule's id (its name), or null when none applied. */
  rule: string | null;
  strategy: string | null;
  candidates: DecisionCandidate[];
  allCircuitsOpen: boolean;
  attempts: DecisionAttempt[];
  provider: string | null;
  model: string | null;
  status: number;
  fallbackUsed: boolean;
  /** Set when an experiment assigned the request. */
  experimentId?: string | null;
  variant?: "A" | "B" | null;
}

export interface DecisionListQuery {
  /** Inclusive (RFC 3339 or a Date). */
  from?: Date | string;
  /** Exclusive (RFC 3339 or a Date). */
  to?: Date | string;
  model?: string;
  provider?: string;
  status?: number;
  routingRuleId?: string;
  limit?: number;
  cursor?: string;
}

export const DECISION_SHAPE: WireShape = { candidates: FLAT, attempts: FLAT };

export class Decisions extends Resource {
  /**
   * The routing decision of one request.
   *
   * @example
   * const decision = await client.decisions.get(requestId);
   * console.log(decision.strategy, decision.candidates.map((c) => c.model));
   */
  async get(requestId: string, options?: RequestOptions): Promise<Decision> {
    const body = await this.transport.json(
      { method: "GET", path: `/decisions/${segment(requestId)}` },
      options,
    );
    return fromWire(body, DECISION_SHAPE) as Decision;
  }

  /**
   * One page of decisions, newest first; `for await` over the result reads every page.
   *
   * @example
   * const page = await client.decisions.list({ model: "gpt-4o-mini", limit: 20 });
   * console.log(page.items.length, page.hasMore, page.nextCursor);
   */
  list(query: DecisionListQuery = {}, options?: RequestOptions): PagePromise<Decision> {
    return this.page("/decisions", toWire(query) as Query, DECISION_SHAPE, options);
  }

  /**
   * Every decision matching `query`, across pages.
   *
   * @example
   * for await (const decision of client.decisions.iterate({ from: "2026-01-01T00:00:00Z" })) {
   *   console.log(decision.requestId, decision.provider);
   * }
   */
  iterate(
    query: DecisionListQuery = {},
    options?: RequestOptions,
  ): AsyncGenerator<Decision, void, undefined> {
    return this.everyItem("/decisions", toWire(query) as Query, DECISION_SHAPE, options);
  }
}
