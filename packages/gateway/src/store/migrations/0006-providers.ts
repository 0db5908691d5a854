/**
 * 0006: providers created through the admin API, so every instance sharing the database routes to
 * them the same way as to providers from the environment and the config file. The credential is
 * stored only sealed (`seal()` under the master key, AES-256-GCM); rotating the master key reseals
 * every row in one transaction.
 */
import type { Kysely, Migration } from "kysely";

export const providersMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("providers")
      // Lowercase, like a config-file provider id: callers name models `<name>/<model>`.
      .addColumn("name", "text", (column) => column.primaryKey())
      .addColumn("type", "text", (column) => column.notNull())
      .addColumn("base_url", "text")
      .addColumn("models", "text")
      .addColumn("org_id", "text", (column) => column.references("orgs.id"))
      // Null only for types that need no credential (a local OpenAI-compatible server).
      .addColumn("sealed_api_key", "text")
      .addColumn("source", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("updated_at", "bigint", (column) => column.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("providers").execute();
  },
};
