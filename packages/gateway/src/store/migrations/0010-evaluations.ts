/**
 * 0010: datasets (control: items an evaluation runs over) and evaluation runs with their results
 * (events). A run is owned by the instance executing it, which heartbeats it; a run whose
 * heartbeat stopped (its instance crashed or stopped) is claimed by another, or the next start,
 * and resumes where its results end — or fails once it was claimed too often.
 */
import type { Kysely, Migration } from "kysely";

export const evaluationsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("datasets")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("item_count", "integer", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("datasets_org")
      .on("datasets")
      .columns(["org_id", "created_at", "id"])
      .execute();
    await db.schema
      .createTable("dataset_items")
      .addColumn("dataset_id", "text", (column) => column.notNull())
      .addColumn("position", "integer", (column) => column.notNull())
      .addColumn("id", "text", (column) => column.notNull())
      // JSON: `{messages?, inputs?}`.
      .addColumn("input", "text", (column) => column.notNull())
      // JSON of any value, or null.
      .addColumn("expected", "text")
      .addPrimaryKeyConstraint("dataset_items_pk", ["dataset_id", "position"])
      .execute();

    await db.schema
      .createTable("evaluation_runs")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("key_id", "text", (column) => column.notNull())
      .addColumn("dataset_id", "text", (column) => column.notNull())
      .addColumn("model", "text", (column) => column.notNull())
      .addColumn("prompt_id", "text")
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("config", "text", (column) => column.notNull())
      .addColumn("summary", "text")
      .addColumn("error", "text")
      .addColumn("owner", "text")
      .addColumn("heartbeat_at", "bigint", (column) => column.notNull())
      .addColumn("claims", "integer", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("started_at", "bigint")
      .addColumn("finished_at", "bigint")
      .execute();
    await db.schema
      .createIndex("evaluation_runs_org")
      .on("evaluation_runs")
      .columns(["org_id", "created_at", "id"])
      .execute();
    await db.schema
      .createIndex("evaluation_runs_status")
      .on("evaluation_runs")
      .columns(["status", "heartbeat_at"])
      .execute();
    await db.schema
      .createTable("evaluation_results")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("run_id", "text", (column) => column.notNull())
      .addColumn("position", "integer", (column) => column.notNull())
      .addColumn("input_id", "text", (column) => column.notNull())
      .addColumn("output", "text")
      .addColumn("score", "double precision")
      .addColumn("cost_usd", "double precision", (column) => column.notNull())
      .addColumn("failed", "integer", (column) => column.notNull())
      // JSON object: per-scorer scores, the answering target, an error.
      .addColumn("metadata", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("evaluation_results_run")
      .unique()
      .on("evaluation_results")
      .columns(["run_id", "position"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("evaluation_results").execute();
    await db.schema.dropTable("evaluation_runs").execute();
    await db.schema.dropTable("dataset_items").execute();
    await db.schema.dropTable("datasets").execute();
  },
};
