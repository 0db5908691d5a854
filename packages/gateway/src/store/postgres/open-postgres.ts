/**
 * Opens PostgreSQL (the distributed deployment) as a Kysely instance over a small pg Pool with
 * the timeouts of RELIABILITY.md, so a database outage turns into prompt rejections rather than
 * hung requests, and a dropped connection never crashes the process.
 */
import { Kysely, PostgresDialect } from "kysely";
import { Pool, TypeOverrides } from "pg";
import type { Database } from "../sql/schema.js";

export interface OpenPostgresOptions {
  /** Called for errors on idle or background connections (the pool replaces the connection). */
  onBackgroundError?: ((error: Error) => void) | undefined;
  /** Server-side cap on one statement; 5 s for the runtime pool (RELIABILITY.md). */
  statementTimeoutMs?: number | undefined;
  maxConnections?: number | undefined;
}

const INT8_OID = 20;

export function openPostgres(connectionString: string, options: OpenPostgresOptions = {}): Kysely<Database> {
  // pg returns int8 as a string to avoid precision loss. Ours are counts and epoch milliseconds,
  // far below 2^53, so numbers are exact — and the row types stay the same for both dialects.
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const types = new TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  const pool = new Pool({
    connectionString,
    types,
    max: options.maxConnections ?? 5,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    // Server-side cap on one statement, and a client-side cap on the whole round trip in case the
    // server stops answering altogether.
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 5_000,
    idle_in_transaction_session_timeout: 10_000,
    keepAlive: true,
    application_name: "floopy",
  });
  // Without these listeners an error on a connection that is not running a query (the server
  // restarted, a proxy cut it) is an unhandled 'error' event, which kills the process. The client
  // listener sees every such error, idle or checked out; the pool re-emits the idle ones, so its
  // listener only has to exist.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", (error) => options.onBackgroundError?.(error));
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
