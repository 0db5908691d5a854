/**
 * The first schema: orgs, projects, API keys, the control version row and request logs. Written
 * against `Kysely<unknown>` with portable column types only, so it runs unchanged on SQLite and
 * PostgreSQL. A migration is frozen once released: later changes go in a new numbered file.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("orgs")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .execute();

    await db.schema
      .createTable("projects")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull().references("orgs.id"))
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("org_id", "text", (column) => column.notNull().references("orgs.id"))
      .addColumn("project_id", "text", (column) => column.references("projects.id"))
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("hash", "text", (column) => column.notNull())
      .addColumn("display_prefix", "text", (column) => column.notNull())
      .addColumn("source", "text", (column) => column.notNull())
      .addColumn("routing_rule", "text")
      .addColumn("rpm", "integer")
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("expires_at", "bigint")
      .addColumn("revoked_at", "bigint")
      .execute();
    // Keys are looked up by hash, and config-file keys are upserted by it.
    await db.schema.createIndex("api_keys_hash_unique").unique().on("api_keys").column("hash").execute();

    await db.schema
      .createTable("control_meta")
      .addColumn("id", "integer", (column) => column.primaryKey())
      .addColumn("version", "bigint", (column) => column.notNull())
      .execute();
    await sql`insert into control_meta (id, version) values (1, 0)`.execute(db);

    // No foreign keys: a log outlives the key, project or org it names, and the events store may
    // one day live in another database than the control store.
    await db.schema
      .createTable("request_logs")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("operation", "text", (column) => column.notNull())
      .addColumn("ingress_protocol", "text", (column) => column.notNull())
      .addColumn("org_id", "text")
      .addColumn("key_id", "text")
      .addColumn("project_id", "text")
      .addColumn("user_id", "text")
      .addColumn("session_id", "text")
      .addColumn("session_name", "text")
      .addColumn("session_path", "text")
      .addColumn("properties", "text", (column) => column.notNull())
      .addColumn("requested_model", "text")
      .addColumn("provider", "text")
      .addColumn("model", "text")
      .addColumn("stream", "integer", (column) => column.notNull())
      .addColumn("status", "integer", (column) => column.notNull())
      .addColumn("error_code", "text")
      .addColumn("error_message", "text")
      // Latencies are fractional milliseconds.
      .addColumn("ttft_ms", "double precision")
      .addColumn("latency_ms", "double precision", (column) => column.notNull())
      .addColumn("prompt_tokens", "integer")
      .addColumn("completion_tokens", "integer")
      .addColumn("total_tokens", "integer")
      .addColumn("cached_tokens", "integer")
      .addColumn("reasoning_tokens", "integer")
      .addColumn("usage_source", "text")
      .addColumn("cost_usd", "double precision")
      .addColumn("fallback_used", "integer", (column) => column.notNull())
      .addColumn("attempts", "text", (column) => column.notNull())
      .execute();
    await db.schema.createIndex("request_logs_created_at").on("request_logs").column("created_at").execute();
    await db.schema
      .createIndex("request_logs_org_id_created_at")
      .on("request_logs")
      .columns(["org_id", "created_at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("request_logs").execute();
    await db.schema.dropTable("control_meta").execute();
    await db.schema.dropTable("api_keys").execute();
    await db.schema.dropTable("projects").execute();
    await db.schema.dropTable("orgs").execute();
  },
};
