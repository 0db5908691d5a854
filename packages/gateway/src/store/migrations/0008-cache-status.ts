/**
 * 0008: what the cache did for a request (`HIT-EXACT`, `HIT-SEMANTIC`, `MISS`, or null when it
 * was not consulted) and what a hit saved (the answer's price when it was made; its cost is 0).
 */
import type { Kysely, Migration } from "kysely";

export const cacheStatusMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("request_logs").addColumn("cache_status", "text").execute();
    await db.schema.alterTable("request_logs").addColumn("cost_saved_usd", "double precision").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("request_logs").dropColumn("cost_saved_usd").execute();
    await db.schema.alterTable("request_logs").dropColumn("cache_status").execute();
  },
};
