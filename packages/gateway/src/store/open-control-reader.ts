/**
 * A read-only view of the control store, for `floopy config validate` and `floopy config export`:
 * what a start reads before it writes (routing rules, keys, stored providers), without creating, migrating or writing
 * anything. A database that does not exist yet, or whose tables do not, reads as empty — as it
 * would on the first start, which creates them. (A SQLite reader of a WAL database may leave the
 * shared-memory index and an empty log beside the file; they hold no data.)
 */
import { existsSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { databaseTarget, type OpenStoresOptions } from "./open-stores.js";
import { openPostgres } from "./postgres/open-postgres.js";
import type { Database } from "./sql/schema.js";
import { SqlControlStore } from "./sql/sql-control-store.js";
import type { ControlStore } from "./types.js";

export type ControlReader = Pick<
  ControlStore,
  "getRoutingRule" | "findApiKeyByHash" | "listProviders" | "listRoutingRules" | "listApiKeys"
>;

export interface OpenedControlReader {
  reader: ControlReader;
  close(): Promise<void>;
}

const empty: ControlReader = {
  getRoutingRule: async () => undefined,
  findApiKeyByHash: async () => undefined,
  listProviders: async () => [],
  listRoutingRules: async () => [],
  listApiKeys: async () => [],
};

export async function openControlReader(options: OpenStoresOptions): Promise<OpenedControlReader> {
  const target = databaseTarget(options);
  let db: Kysely<Database>;
  if (target.kind === "sqlite") {
    if (!existsSync(target.path)) return { reader: empty, close: async () => {} };
    const database = new BetterSqlite3(target.path, { readonly: true, fileMustExist: true });
    database.pragma("busy_timeout = 5000");
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  } else {
    db = openPostgres(target.url, { maxConnections: 1 });
  }
  try {
    const tables = await existingTables(db, target.kind);
    const control = new SqlControlStore(db);
    return {
      reader: {
        getRoutingRule: (name) =>
          tables.has("routing_rules") ? control.getRoutingRule(name) : Promise.resolve(undefined),
        findApiKeyByHash: (hash) =>
          tables.has("api_keys") ? control.findApiKeyByHash(hash) : Promise.resolve(undefined),
        listProviders: () => (tables.has("providers") ? control.listProviders() : Promise.resolve([])),
        listRoutingRules: () =>
          tables.has("routing_rules") ? control.listRoutingRules() : Promise.resolve([]),
        listApiKeys: () => (tables.has("api_keys") ? control.listApiKeys() : Promise.resolve([])),
      },
      close: () => db.destroy(),
    };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

async function existingTables(db: Kysely<Database>, kind: "sqlite" | "postgres"): Promise<Set<string>> {
  const names = ["routing_rules", "api_keys", "providers"];
  if (kind === "sqlite") {
    const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
      db,
    );
    return new Set(rows.map((row) => row.name).filter((name) => names.includes(name)));
  }
  // to_regclass resolves through the search_path, as the gateway's unqualified queries do.
  const found = new Set<string>();
  for (const name of names) {
    const { rows } = await sql<{ found: string | null }>`select to_regclass(${name})::text as found`.execute(
      db,
    );
    if (rows[0]?.found !== null && rows[0]?.found !== undefined) found.add(name);
  }
  return found;
}
