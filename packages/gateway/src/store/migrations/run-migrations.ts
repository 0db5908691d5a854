/**
 * Runs the versioned migrations at start. The list is static (no directory scan), so the set of
 * migrations is whatever was compiled in. Kysely's Migrator records applied names and holds a lock
 * while migrating (PostgreSQL: an advisory transaction lock; SQLite: the `begin immediate`
 * transaction of sqlite/open-sqlite.ts), so a second run is a no-op and two processes starting
 * together apply each migration once.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import { initialMigration } from "./0001-initial.js";
import { routingDecisionsMigration } from "./0002-routing-decisions.js";
import { routingRulesMigration } from "./0003-routing-rules-and-admin-keys.js";
import { gatewayInstancesMigration } from "./0004-gateway-instances.js";
import { adminResourcesMigration } from "./0005-admin-resources.js";
import { providersMigration } from "./0006-providers.js";
import { plansMigration } from "./0007-plans.js";
import { cacheStatusMigration } from "./0008-cache-status.js";
import { platformMigration } from "./0009-platform.js";
import { evaluationsMigration } from "./0010-evaluations.js";
import { usageRollupMigration } from "./0011-usage-rollup.js";

/** Names sort in application order; never rename or reorder a released entry. */
const migrations: Record<string, Migration> = {
  "0001-initial": initialMigration,
  "0002-routing-decisions": routingDecisionsMigration,
  "0003-routing-rules-and-admin-keys": routingRulesMigration,
  "0004-gateway-instances": gatewayInstancesMigration,
  "0005-admin-resources": adminResourcesMigration,
  "0006-providers": providersMigration,
  "0007-plans": plansMigration,
  "0008-cache-status": cacheStatusMigration,
  "0009-platform": platformMigration,
  "0010-evaluations": evaluationsMigration,
  "0011-usage-rollup": usageRollupMigration,
};

const staticProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export interface RunMigrationsOptions {
  /**
   * PostgreSQL: the schema the tables live in. Kysely looks for its bookkeeping tables in every
   * schema unless told one, so a second Floopy (or any Kysely app) in another schema of the same
   * database would make it skip creating its own.
   */
  schema?: string | undefined;
}

export async function runMigrations<DB>(db: Kysely<DB>, options: RunMigrationsOptions = {}): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: staticProvider,
    ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed ?? "(setup)"} failed: ${reason}`, { cause: error });
  }
}
