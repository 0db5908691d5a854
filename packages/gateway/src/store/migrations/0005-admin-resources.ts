/**
 * 0005: what the admin API manages beyond routing rules. Keys gain their own token and spend
 * limits (`tpm`, `monthly_budget_usd`, like `rpm` null when unset); an org's constraints
 * (`PUT /v1/constraints`) get a row per org, every value nullable since `null` clears one; and
 * every control change leaves an append-only audit entry: who, what, and hashes of the object
 * before and after. The config file's `limits:` apply to every org and stay in the file.
 */
import type { Kysely, Migration } from "kysely";

export const adminResourcesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("api_keys").addColumn("tpm", "integer").execute();
    await db.schema.alterTable("api_keys").addColumn("monthly_budget_usd", "double precision").execute();

    await db.schema
      .createTable("org_constraints")
      .addColumn("org_id", "text", (column) => column.primaryKey().references("orgs.id"))
      .addColumn("cost_limit_monthly_usd", "double precision")
      .addColumn("token_window_seconds", "integer")
      .addColumn("max_tokens_per_window", "integer")
      .addColumn("max_requests_per_minute", "integer")
      .addColumn("updated_at", "bigint", (column) => column.notNull())
      .execute();

    // No foreign keys: an entry outlives the key that made it and the object it names.
    await db.schema
      .createTable("audit_log")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("actor_key_id", "text")
      .addColumn("action", "text", (column) => column.notNull())
      .addColumn("resource", "text", (column) => column.notNull())
      .addColumn("resource_id", "text", (column) => column.notNull())
      .addColumn("before_hash", "text")
      .addColumn("after_hash", "text")
      .addColumn("detail", "text", (column) => column.notNull())
      .execute();
    // Listed newest first, by resource or not, paged by (created_at, id).
    await db.schema.createIndex("audit_log_created").on("audit_log").columns(["created_at", "id"]).execute();
    await db.schema
      .createIndex("audit_log_resource_created")
      .on("audit_log")
      .columns(["resource", "created_at", "id"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("audit_log").execute();
    await db.schema.dropTable("org_constraints").execute();
    await db.schema.alterTable("api_keys").dropColumn("monthly_budget_usd").execute();
    await db.schema.alterTable("api_keys").dropColumn("tpm").execute();
  },
};
