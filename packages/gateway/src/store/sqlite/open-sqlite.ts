/**
 * Opens the embedded SQLite database (one file, WAL) as a Kysely instance. Two things differ from
 * Kysely's stock SqliteDialect, both so that another process on the same file (a `floopy keys`
 * command beside a running gateway, or two starts at once) waits instead of failing:
 * - transactions begin IMMEDIATE: they take the write lock up front, honouring busy_timeout,
 *   instead of failing with SQLITE_BUSY when a deferred reader later tries to write;
 * - migrations run inside such a transaction (SQLite DDL is transactional), which serialises
 *   concurrent migrators and rolls a failed migration back whole.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import type { Database } from "../sql/schema.js";

export interface OpenedSqlite {
  db: Kysely<Database>;
  /** The driver's own handle, for the few writes where Kysely's per-query compile costs too much. */
  database: BetterSqlite3.Database;
}

export function openSqlite(path: string): OpenedSqlite {
  mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    database.pragma("busy_timeout = 5000");
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
  } catch (error) {
    database.close();
    throw error;
  }
  return { db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) }), database };
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
