/**
 * Keyset paging for lists kept newest first by (created_at, id): the rows after `after`, the last
 * row of the previous page. One condition for every such list (decisions, the audit log), in
 * portable SQL with bound parameters.
 */
import { type RawBuilder, type SelectQueryBuilder, sql } from "kysely";
import { toEpochMs } from "./sql-values.js";

export function olderThan(after: { createdAt: Date; id: string }): RawBuilder<boolean> {
  const ms = toEpochMs(after.createdAt);
  // A row value: SQLite and PostgreSQL both read it as one range of an index ending in the id.
  return sql<boolean>`((created_at, id) < (${ms}, ${after.id}))`;
}

/**
 * A newest-first page of a list keyed by (created_at, id): after the given position when there is
 * one, in that order, at most `limit` rows. For `.$call(…)` on any select of such a table.
 */
export function newestFirst(after: { createdAt: Date; id: string } | undefined, limit: number) {
  // The tables differ; each has created_at and id, which the order needs and nothing else.
  // biome-ignore lint/suspicious/noExplicitAny: applies to the select of any (created_at, id) table
  return <Select extends SelectQueryBuilder<any, any, any>>(select: Select): Select =>
    (after === undefined ? select : select.where(olderThan(after)))
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit) as Select;
}
