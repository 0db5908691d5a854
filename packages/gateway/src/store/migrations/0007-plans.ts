/**
 * 0007: plans, which gate features per org, and each org's plan and subscription expiry. An org
 * without a plan (`plan_id` null) is on the default plan, which includes every feature, so a
 * gateway that never defines a plan behaves as before. `orgs.plan_id` references the plan, so a
 * plan cannot disappear from under an org.
 */
import type { Kysely, Migration } from "kysely";

export const plansMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("plans")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("name", "text", (column) => column.notNull())
      // JSON: an array of feature names, or the string "*" for every feature.
      .addColumn("features", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("updated_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema
      .alterTable("orgs")
      .addColumn("plan_id", "text", (column) => column.references("plans.id"))
      .execute();
    await db.schema.alterTable("orgs").addColumn("subscription_expires_at", "bigint").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("orgs").dropColumn("subscription_expires_at").execute();
    await db.schema.alterTable("orgs").dropColumn("plan_id").execute();
    await db.schema.dropTable("plans").execute();
  },
};
