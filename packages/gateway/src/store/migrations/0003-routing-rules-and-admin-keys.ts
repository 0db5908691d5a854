/**
 * 0003: routing rules in the control store (the config file's and the admin API's, one table, so
 * every instance reads the same rules and a change applies everywhere within one poll), and key
 * scopes (`gateway` or `admin`; existing keys are gateway keys).
 */
import type { Kysely, Migration } from "kysely";

export const routingRulesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("routing_rules")
      .addColumn("name", "text", (column) => column.primaryKey())
      .addColumn("definition", "text", (column) => column.notNull())
      .addColumn("source", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("updated_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema
      .alterTable("api_keys")
      .addColumn("scope", "text", (column) => column.notNull().defaultTo("gateway"))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("api_keys").dropColumn("scope").execute();
    await db.schema.dropTable("routing_rules").execute();
  },
};
