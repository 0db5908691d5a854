/**
 * What the own API's route modules share: a route's declaration, the caller's org (and the plan
 * feature a resource needs), pages in the API's list shape with their signed cursors (newest
 * first by time and id, or in order of a position), and a control
 * change made through the own API — audited under the caller's key, logged, and reloaded into this
 * instance's snapshot at once (other instances within a poll).
 */
import type { PlanFeature } from "../control/plan-features.js";
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { requireFeature } from "../pipeline/require-feature.js";
import { auditEntry } from "../protocol/floopy-api/audit-entry.js";
import {
  decodeCursor,
  encodeCursor,
  invalidCursor,
  keysetCursor,
} from "../protocol/floopy-api/list-pages.js";
import type { Operation } from "../providers/declaration.js";

/** A route answered by `answer` once authenticate has accepted the caller (admin keys for `admin`). */
export function ownApiRoute(
  method: IngressRoute["method"],
  url: string,
  names: { operation: Operation; route: string },
  answer: (context: RequestContext) => Promise<StageResponse>,
  bodyLimit: IngressRoute["bodyLimit"] = "admin",
): IngressRoute {
  return {
    method,
    url,
    protocol: "floopy-api",
    operation: names.operation,
    route: names.route,
    bodyLimit,
    stages: [authenticate, answer],
  };
}

export function callerOrg(context: RequestContext, feature?: PlanFeature): string {
  const orgId = context.key?.orgId;
  if (!orgId) throw new GatewayError("INVALID_API_KEY", "A Floopy key is required.");
  if (feature !== undefined) requireFeature(context, feature);
  return orgId;
}

/** `?cursor=` of a newest-first list: the position after which the page starts. */
export function keysetAfter(context: RequestContext): { createdAt: Date; id: string } | undefined {
  const cursor = context.params.cursor;
  return cursor === undefined ? undefined : keysetCursor(cursor, context.services.cursorSecret);
}

/** `rows` holds one more than `limit` when another page exists. */
export function newestFirstPage<T extends { createdAt: Date; id: string }>(
  context: RequestContext,
  rows: readonly T[],
  limit: number,
  toObject: (row: T) => unknown,
): StageResponse {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rows.length > limit;
  return {
    status: 200,
    body: {
      object: "list",
      items: page.map(toObject),
      has_more: hasMore,
      next_cursor:
        hasMore && last
          ? encodeCursor([last.createdAt.getTime(), last.id], context.services.cursorSecret)
          : null,
    },
  };
}

/** `?cursor=` of a list in position order (dataset items, results, versions); `start` without one. */
export function positionAfter(context: RequestContext, start: number): number {
  const cursor = context.params.cursor;
  if (cursor === undefined) return start;
  const position = decodeCursor(cursor, context.services.cursorSecret);
  if (typeof position !== "number" || !Number.isSafeInteger(position)) throw invalidCursor();
  return position;
}

/** `rows` holds one more than `limit` when another page exists; the cursor is the last position. */
export function positionPage<T>(
  context: RequestContext,
  rows: readonly T[],
  limit: number,
  positionOf: (row: T) => number,
  toObject: (row: T) => unknown,
): StageResponse {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rows.length > limit;
  return {
    status: 200,
    body: {
      object: "list",
      items: page.map(toObject),
      has_more: hasMore,
      next_cursor:
        hasMore && last !== undefined ? encodeCursor(positionOf(last), context.services.cursorSecret) : null,
    },
  };
}

export async function recordControlChange(
  context: RequestContext,
  change: { resource: string; verb: string; resourceId: string; before: object | null; after: object },
): Promise<void> {
  const { services } = context;
  await services.stores.control.appendAudit(auditEntry(change, context.key?.id ?? null, context.id));
  services.logger.info(
    {
      action: `${change.resource}.${change.verb}`,
      resourceId: change.resourceId,
      keyId: context.key?.id,
      requestId: context.id,
    },
    "own API: control change",
  );
  await services.snapshot.reloadAfterWrite();
}
