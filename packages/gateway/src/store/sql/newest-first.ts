/**
 * Keyset paging for lists kept newest first by (created_at, id): the rows after `after`, the last
 * row of the previous page. One condition for every such list (decisions, the audit log), in
 * portable SQL with bound parameters.
 */
import { type RawBuilder, sql } from "kysely";
import { toEpochMs } from "./sql-values.js";

export function olderThan(after: { createdAt: Date; id: string }): RawBuilder<boolean> {
  const ms = toEpochMs(after.createdAt);
  // A row value: SQLite and PostgreSQL both read it as one range of an index ending in the id.
  return sql<boolean>`((created_at, id) < (${ms}, ${after.id}))`;
}
