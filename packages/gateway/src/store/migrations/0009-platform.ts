/**
 * 0009: what Floopy's own API keeps beyond request logs. Events: the turns of sessions (the
 * messages a turn saw and its answer, when the org's logging keeps content) and feedback (one per
 * request or session, with the targets it was credited to). Control: the prompt library (a prompt
 * and its immutable versions) and experiments between two routing rules; request logs gain the
 * experiment and variant that routed them, so results are one indexed query.
 */
import type { Kysely, Migration } from "kysely";

export const platformMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("session_turns")
      .addColumn("request_id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("key_id", "text")
      .addColumn("session_id", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("provider", "text")
      .addColumn("model", "text")
      // JSON: OpenAI chat messages, the request's then the answer (null when content is not kept).
      .addColumn("messages", "text")
      .execute();
    await db.schema
      .createIndex("session_turns_session")
      .on("session_turns")
      .columns(["org_id", "session_id", "created_at", "request_id"])
      .execute();
    await db.schema
      .createIndex("session_turns_key")
      .on("session_turns")
      .columns(["org_id", "key_id", "created_at"])
      .execute();

    await db.schema
      .createTable("feedback")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull())
      // `request:<id>` or `session:<id>`: what the one feedback allowed is about.
      .addColumn("subject", "text", (column) => column.notNull())
      .addColumn("request_id", "text")
      .addColumn("session_id", "text")
      .addColumn("key_id", "text")
      .addColumn("score", "double precision", (column) => column.notNull())
      .addColumn("useful", "integer")
      .addColumn("comment", "text")
      // JSON array of target keys (`provider/model`) credited.
      .addColumn("targets", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("feedback_subject")
      .unique()
      .on("feedback")
      .columns(["org_id", "subject"])
      .execute();
    await db.schema.createIndex("feedback_created_at").on("feedback").column("created_at").execute();

    await db.schema
      .createTable("prompts")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("description", "text")
      .addColumn("latest_version", "integer", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("updated_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("prompts_org_name")
      .unique()
      .on("prompts")
      .columns(["org_id", "name"])
      .execute();
    await db.schema
      .createTable("prompt_versions")
      .addColumn("prompt_id", "text", (column) => column.notNull())
      .addColumn("version", "integer", (column) => column.notNull())
      .addColumn("messages", "text", (column) => column.notNull())
      .addColumn("model", "text")
      .addColumn("defaults", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addPrimaryKeyConstraint("prompt_versions_pk", ["prompt_id", "version"])
      .execute();

    await db.schema
      .createTable("experiments")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("description", "text")
      .addColumn("variant_a_rule", "text", (column) => column.notNull())
      .addColumn("variant_b_rule", "text", (column) => column.notNull())
      .addColumn("split_percentage", "integer", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("updated_at", "bigint", (column) => column.notNull())
      .addColumn("ended_at", "bigint")
      .execute();
    await db.schema
      .createIndex("experiments_org")
      .on("experiments")
      .columns(["org_id", "created_at"])
      .execute();

    await db.schema.alterTable("request_logs").addColumn("experiment_id", "text").execute();
    await db.schema.alterTable("request_logs").addColumn("experiment_variant", "text").execute();
    await db.schema
      .createIndex("request_logs_experiment")
      .on("request_logs")
      .columns(["experiment_id", "experiment_variant"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("request_logs_experiment").execute();
    await db.schema.alterTable("request_logs").dropColumn("experiment_variant").execute();
    await db.schema.alterTable("request_logs").dropColumn("experiment_id").execute();
    await db.schema.dropTable("experiments").execute();
    await db.schema.dropTable("prompt_versions").execute();
    await db.schema.dropTable("prompts").execute();
    await db.schema.dropTable("feedback").execute();
    await db.schema.dropTable("session_turns").execute();
  },
};
