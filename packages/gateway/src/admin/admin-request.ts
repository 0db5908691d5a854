/**
 * What every admin resource module takes and answers: the call (path id, query, headers, parsed
 * body, the caller's key), the dependencies (control store, snapshot, catalogue, cursor secret,
 * the audit log) and a status with a body. Also the checks each module shares, so every resource
 * refuses, names and pages the same way.
 */
import type { ControlSnapshot } from "../control/control-snapshot.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AuditChange } from "../protocol/floopy-api/audit-entry.js";
import { invalidBody } from "../protocol/floopy-api/body-schema.js";
import { decodeCursor, encodeCursor, invalidCursor, pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { ModelCatalogue } from "../providers/model-catalogue.js";
import type { ApiKeyRecord, ControlStore } from "../store/types.js";

export interface AdminRequest {
  /** `:id` from the path, on routes that have one. */
  id: string | undefined;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body of POST, PUT and PATCH. */
  body: unknown;
  /** The authenticated caller, checked again by each module (authorization in the handler too). */
  key: ApiKeyRecord | null;
}

export interface AdminDependencies {
  store: ControlStore;
  snapshot: ControlSnapshot;
  catalogue: ModelCatalogue;
  cursorSecret: Buffer;
  /** Appends a change to the audit log (who made it is the caller's key). */
  audit: (change: AuditChange) => Promise<void>;
}

export interface AdminAnswer {
  status: number;
  body?: unknown;
}

/** Ids travel in URL paths and headers (`floopy-project-id`): keep them plain. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const ID_RULE = "1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit";

export function requireAdminKey(key: ApiKeyRecord | null): ApiKeyRecord {
  if (key === null || key.scope !== "admin") {
    throw new GatewayError("FORBIDDEN", "Admin routes need an admin key.");
  }
  return key;
}

export function notFound(what: string, id: string): GatewayError {
  return new GatewayError("not_found", `There is no ${what} with id '${id}'.`);
}

export function conflict(message: string): GatewayError {
  return new GatewayError("conflict", message);
}

/** A path id that cannot exist (empty, too long, odd characters) is as missing as any other. */
export function pathId(request: AdminRequest, what: string): string {
  const id = request.id ?? "";
  if (!ID_PATTERN.test(id)) throw notFound(what, id);
  return id;
}

export function checkId(value: string, field: string): string {
  if (!ID_PATTERN.test(value)) throw invalidBody(`${field}: ${ID_RULE}.`, field);
  return value;
}

/**
 * One page of a list in (time, id) order, as Floopy's own lists answer
 * (`{object, items, has_more, next_cursor}`); the cursor is the last item's position, signed.
 * The admin API's lists are of what the snapshot holds in memory anyway, so paging over the
 * whole list costs no more than a query would. Sorted here, by code-unit order, so the order and
 * the cursor comparison agree whatever collation the database sorts by.
 */
export function listPage<T>(
  items: readonly T[],
  query: Readonly<Record<string, string>>,
  secret: Buffer,
  position: (item: T) => [number, string],
  render: (item: T) => unknown,
) {
  const limit = pageLimit(query.limit, 50, 200);
  let after: [number, string] | undefined;
  if (query.cursor !== undefined) {
    const decoded = decodeCursor(query.cursor, secret);
    if (!Array.isArray(decoded) || typeof decoded[0] !== "number" || typeof decoded[1] !== "string") {
      throw invalidCursor();
    }
    after = [decoded[0], decoded[1]];
  }
  const sorted = [...items].sort((a, b) => comparePositions(position(a), position(b)));
  const rest =
    after === undefined
      ? sorted
      : sorted.filter((item) => {
          const [time, id] = position(item);
          const [afterTime, afterId] = after;
          return time > afterTime || (time === afterTime && id > afterId);
        });
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rest.length > limit;
  return {
    object: "list",
    items: page.map(render),
    has_more: hasMore,
    next_cursor: hasMore && last !== undefined ? encodeCursor(position(last), secret) : null,
  };
}

function comparePositions([timeA, idA]: [number, string], [timeB, idB]: [number, string]): number {
  if (timeA !== timeB) return timeA - timeB;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}
