/**
 * 0008: what the cache did for a request (`HIT-EXACT`, `HIT-SEMANTIC`, `MISS`, or null when it
 * was not consulted) and what a hit saved (the answer's price when it was made; its cost is 0).
 * And the org's time index now ends in the id, so a keyset page of an org's records (decisions,
 * the export) is one index range whatever its depth; it replaces (org_id, created_at), whose
 * queries it serves too, so the record writer still maintains the same number of indexes.
 */
import type { Kysely, Migration } from "kysely";

export const cacheStatusMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("request_logs").addColumn("cache_status", "text").execute();
    await db.schema.alterTable("request_logs").addColumn("cost_saved_usd", "double precision").execute();
    await db.schema
      .createIndex("request_logs_org_id_created_at_id")
      .on("request_logs")
      .columns(["org_id", "created_at", "id"])
      .execute();
    await db.schema.dropIndex("request_logs_org_id_created_at").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex("request_logs_org_id_created_at")
      .on("request_logs")
      .columns(["org_id", "created_at"])
      .execute();
    await db.schema.dropIndex("request_logs_org_id_created_at_id").execute();
    await db.schema.alterTable("request_logs").dropColumn("cost_saved_usd").execute();
    await db.schema.alterTable("request_logs").dropColumn("cache_status").execute();
  },
};
