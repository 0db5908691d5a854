/**
 * 0004: one row per running gateway process, the marker a clean stop removes. A row left behind
 * is an instance that stopped without flushing (killed, crashed, power lost); its `flushed_at`
 * says from when its request records may be missing. In the events store, so it works the same on
 * the embedded SQLite file and on a PostgreSQL shared by many instances.
 */
import type { Kysely, Migration } from "kysely";

export const gatewayInstancesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("gateway_instances")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("host", "text", (column) => column.notNull())
      .addColumn("pid", "integer", (column) => column.notNull())
      .addColumn("started_at", "bigint", (column) => column.notNull())
      .addColumn("flushed_at", "bigint", (column) => column.notNull())
      .addColumn("seen_at", "bigint", (column) => column.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("gateway_instances").execute();
  },
};
