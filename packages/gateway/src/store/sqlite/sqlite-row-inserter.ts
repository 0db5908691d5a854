/**
 * Batch inserts for the embedded default. Kysely compiles a 500-row INSERT into a fresh
 * statement with thousands of parameters for every batch, and SQLite prepares it anew each time;
 * under load that was the gateway's largest cost off the request path. A single-row statement
 * prepared once and run per row inside one IMMEDIATE transaction is several times cheaper and
 * allocates next to nothing.
 */
import type BetterSqlite3 from "better-sqlite3";

export type RowInserter<Row extends object> = (rows: readonly Row[]) => void;

export function sqliteRowInserter<Row extends object>(
  database: BetterSqlite3.Database,
  table: string,
  conflictColumn: string,
): RowInserter<Row> {
  let insertAll: ((rows: readonly Row[]) => void) | undefined;
  return (rows) => {
    const first = rows[0];
    if (first === undefined) return;
    if (!insertAll) {
      // Column names come from our own row type, never from input; they are quoted anyway.
      const columns = Object.keys(first);
      const statement = database.prepare(
        `insert into "${table}" (${columns.map((column) => `"${column}"`).join(", ")}) ` +
          `values (${columns.map((column) => `@${column}`).join(", ")}) on conflict ("${conflictColumn}") do nothing`,
      );
      const transaction = database.transaction((batch: readonly Row[]) => {
        for (const row of batch) statement.run(row);
      });
      insertAll = (batch) => transaction.immediate(batch);
    }
    insertAll(rows);
  };
}
