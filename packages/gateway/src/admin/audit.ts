/**
 * `GET /admin/audit`: the append-only log of control changes, newest first, paged by a signed
 * cursor, optionally one resource's (`?resource=keys`). Each entry says who (the admin or gateway
 * key that made the change; null for the CLI), what (`keys.create`, …) and the sha256 of the
 * object before and after, so a copy of an object can be checked against the log.
 */
import { decodeCursor, encodeCursor, invalidCursor, pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { AuditEntry, AuditQuery } from "../store/types.js";
import {
  type AdminAnswer,
  type AdminDependencies,
  type AdminRequest,
  requireAdminKey,
} from "./admin-request.js";

export const auditAdmin = {
  async list(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const limit = pageLimit(request.query.limit, 50, 200);
    const query: AuditQuery = { limit: limit + 1 };
    if (request.query.resource !== undefined) query.resource = request.query.resource;
    if (request.query.cursor !== undefined) {
      const position = decodeCursor(request.query.cursor, deps.cursorSecret);
      if (!Array.isArray(position) || typeof position[0] !== "number" || typeof position[1] !== "string") {
        throw invalidCursor();
      }
      query.after = { createdAt: new Date(position[0]), id: position[1] };
    }
    // One more than asked says whether another page exists without a count query.
    const entries = await deps.store.listAudit(query);
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    const hasMore = entries.length > limit;
    return {
      status: 200,
      body: {
        object: "list",
        items: page.map(auditObject),
        has_more: hasMore,
        next_cursor:
          hasMore && last !== undefined
            ? encodeCursor([last.createdAt.getTime(), last.id], deps.cursorSecret)
            : null,
      },
    };
  },
};

function auditObject(entry: AuditEntry) {
  return {
    object: "audit_entry",
    id: entry.id,
    created_at: entry.createdAt.toISOString(),
    actor_key_id: entry.actorKeyId,
    action: entry.action,
    resource: entry.resource,
    resource_id: entry.resourceId,
    before_hash: entry.beforeHash,
    after_hash: entry.afterHash,
    detail: entry.detail,
  };
}
