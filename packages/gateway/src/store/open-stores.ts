/**
 * Chooses and opens the control and events stores: a SQLite file in the data dir by default, or
 * PostgreSQL when a `postgres://` URL is given. Migrates the schema and ensures the default org and
 * project before returning, so callers start from a usable database.
 */
import { join } from "node:path";
import { type Insertable, type Kysely, sql } from "kysely";
import { runMigrations } from "./migrations/run-migrations.js";
import { openPostgres } from "./postgres/open-postgres.js";
import type { Database, RequestLogsTable } from "./sql/schema.js";
import { SqlControlStore } from "./sql/sql-control-store.js";
import { SqlEvaluationStore } from "./sql/sql-evaluation-store.js";
import { SqlEventStore } from "./sql/sql-event-store.js";
import { SqlExperimentStore } from "./sql/sql-experiment-store.js";
import { SqlPromptStore } from "./sql/sql-prompt-store.js";
import { SqlSessionStore } from "./sql/sql-session-store.js";
import {
  PROPERTY_UPSERT_SQL,
  propertyParameters,
  propertyRollupDeltas,
  ROLLUP_UPSERT_SQL,
  RollupProperties,
  rollupDeltas,
  rollupParameters,
} from "./sql/usage-rollup.js";
import { openSqlite } from "./sqlite/open-sqlite.js";
import { sqliteRowInserter } from "./sqlite/sqlite-row-inserter.js";
import type { Stores } from "./types.js";

export interface OpenStoresOptions {
  /** Unset → SQLite at `<dataDir>/floopy.db`; `postgres://` or `postgresql://` → PostgreSQL. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Errors on idle PostgreSQL connections; the pool replaces the connection, so this is for logs. */
  onBackgroundError?: ((error: Error) => void) | undefined;
}

export const DEFAULT_ORG = { id: "default", name: "Default" } as const;
export const DEFAULT_PROJECT = { id: "default", orgId: "default", name: "Default" } as const;

/**
 * PostgreSQL migrations run over their own one-connection pool without the runtime's 5 s statement
 * cap: a later migration (an index over request_logs) may rightly take minutes, and so may waiting
 * for another instance's migration lock.
 */
const MIGRATION_STATEMENT_TIMEOUT_MS = 15 * 60_000;

export async function openStores(options: OpenStoresOptions): Promise<Stores> {
  const target = databaseTarget(options);
  if (target.kind === "sqlite") {
    const { db, database } = openSqlite(target.path);
    const rollupProperties = new RollupProperties();
    // Prepared on first use: the tables exist once the migrations have run.
    let upsert: ReturnType<typeof database.prepare> | undefined;
    let upsertProperty: ReturnType<typeof database.prepare> | undefined;
    // The rollup moves in the records' own transaction, by exactly the records inserted.
    const insertRows = sqliteRowInserter<Insertable<RequestLogsTable>>(
      database,
      "request_logs",
      "id",
      (inserted) => {
        upsert ??= database.prepare(ROLLUP_UPSERT_SQL);
        for (const delta of rollupDeltas(inserted)) upsert.run(rollupParameters(delta));
        const properties = propertyRollupDeltas(inserted, rollupProperties.sinceByName);
        if (properties.length > 0) upsertProperty ??= database.prepare(PROPERTY_UPSERT_SQL);
        for (const delta of properties) upsertProperty?.run(propertyParameters(delta));
      },
    );
    return prepareStores("sqlite", db, () => runMigrations(db), rollupProperties, insertRows);
  }
  const onBackgroundError = options.onBackgroundError;
  const migrationDb = openPostgres(target.url, {
    statementTimeoutMs: MIGRATION_STATEMENT_TIMEOUT_MS,
    maxConnections: 1,
    onBackgroundError,
  });
  try {
    await runMigrations(migrationDb, { schema: await currentSchema(migrationDb) });
  } finally {
    await migrationDb.destroy();
  }
  return prepareStores(
    "postgres",
    openPostgres(target.url, { onBackgroundError }),
    async () => {},
    new RollupProperties(),
  );
}

/** Migrates, ensures the defaults and wraps the stores; on failure the database is closed again. */
async function prepareStores(
  kind: Stores["kind"],
  db: Kysely<Database>,
  migrate: () => Promise<void>,
  rollupProperties: RollupProperties,
  insertRows?: (rows: readonly Insertable<RequestLogsTable>[]) => void,
): Promise<Stores> {
  try {
    await migrate();
    await rollupProperties.load(db);
    const control = new SqlControlStore(db);
    await control.ensureOrg(DEFAULT_ORG);
    await control.ensureProject(DEFAULT_PROJECT);
    let closing: Promise<void> | undefined;
    return {
      control,
      events: new SqlEventStore(db, kind, rollupProperties, insertRows),
      sessions: new SqlSessionStore(db),
      prompts: new SqlPromptStore(db),
      experiments: new SqlExperimentStore(db),
      evaluations: new SqlEvaluationStore(db),
      kind,
      async ping() {
        await sql`select 1`.execute(db);
      },
      close() {
        closing ??= db.destroy();
        return closing;
      },
    };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

export type DatabaseTarget = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** Which database the options name; refuses a URL of a scheme no backend serves. */
export function databaseTarget(options: OpenStoresOptions): DatabaseTarget {
  const url = options.databaseUrl;
  if (url === undefined) return { kind: "sqlite", path: join(options.dataDir, "floopy.db") };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") return { kind: "postgres", url };
  // Only the scheme is named: the rest of the URL may hold a password.
  throw new Error(
    scheme === undefined
      ? "database URL has no scheme; expected postgres:// or postgresql://"
      : `database URL scheme "${scheme}:" is not supported; expected postgres:// or postgresql://`,
  );
}

/** The schema unqualified names resolve to: the first existing one on the search_path. */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) {
    throw new Error("PostgreSQL: no schema on the search_path exists; create one or set search_path");
  }
  return schema;
}
