/**
 * 0011: usage summed per org, hour, model, provider, project and key (with its latency histogram
 * as one count column per bucket), kept by the
 * record writer in the same transaction as the records (store/sql/usage-rollup.ts), so `GET
 * /v1/usage` over a month reads a few thousand rows instead of every record. Filled here from the
 * records already stored. Dimensions are `''` for none, so the primary key matches them on both
 * dialects (SQLite keeps NULLs distinct in a unique key). The latency edges are frozen with the
 * migration: the rollup's histogram means what they said when it was written.
 *
 * And the request log's session filter gets an index ending in the keyset order, so a page of one
 * session's requests is one index range. Session ids grow with time, so the index is appended to;
 * an index on the user (measured: bench/RESULTS.md) was refused: users interleave, every batch
 * then dirties a page per user, and the record writer's cost per record more than doubled.
 */
import { type Kysely, type Migration, sql } from "kysely";

/** Upper edges (ms, exclusive) of the rollup's latency buckets; the last bucket holds the rest. */
export const ROLLUP_LATENCY_EDGES_MS: readonly number[] = Object.freeze([
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000,
  7_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
]);

export const HOUR_MS = 3_600_000;

/** One count column per latency bucket (`lat_0` … `lat_30`): a rollup row is a whole histogram. */
export const LATENCY_COLUMNS: readonly string[] = Object.freeze(
  Array.from({ length: ROLLUP_LATENCY_EDGES_MS.length + 1 }, (_, index) => `lat_${index}`),
);

const SUM_COLUMNS = [
  ["requests", "bigint"],
  ["errors", "bigint"],
  ["input_tokens", "bigint"],
  ["output_tokens", "bigint"],
  ["cost_usd", "double precision"],
  ["cache_hits", "bigint"],
  ...LATENCY_COLUMNS.map((column) => [column, "bigint"] as const),
] as const satisfies ReadonlyArray<readonly [string, "bigint" | "double precision"]>;

export const usageRollupMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    let hourly = db.schema
      .createTable("usage_hourly")
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("hour_ms", "bigint", (column) => column.notNull())
      .addColumn("model", "text", (column) => column.notNull())
      .addColumn("provider", "text", (column) => column.notNull())
      .addColumn("project_id", "text", (column) => column.notNull())
      .addColumn("key_id", "text", (column) => column.notNull());
    for (const [name, type] of SUM_COLUMNS)
      hourly = hourly.addColumn(name, type, (column) => column.notNull());
    await hourly
      .addPrimaryKeyConstraint("usage_hourly_pk", [
        "org_id",
        "hour_ms",
        "model",
        "provider",
        "project_id",
        "key_id",
      ])
      .execute();
    // Properties named in the config's `usage.rollup_properties`, each from the hour it was named
    // (`since_ms`): before it, its usage is read from the records.
    await db.schema
      .createTable("usage_rollup_properties")
      .addColumn("name", "text", (column) => column.primaryKey())
      .addColumn("since_ms", "bigint", (column) => column.notNull())
      .execute();
    let properties = db.schema
      .createTable("usage_hourly_properties")
      .addColumn("org_id", "text", (column) => column.notNull())
      .addColumn("hour_ms", "bigint", (column) => column.notNull())
      .addColumn("name", "text", (column) => column.notNull())
      // '' for records without the property.
      .addColumn("value", "text", (column) => column.notNull());
    for (const [name, type] of SUM_COLUMNS)
      properties = properties.addColumn(name, type, (column) => column.notNull());
    await properties
      .addPrimaryKeyConstraint("usage_hourly_properties_pk", ["org_id", "name", "hour_ms", "value"])
      .execute();
    await db.schema
      .createIndex("request_logs_org_id_session_id")
      .on("request_logs")
      .columns(["org_id", "session_id", "created_at", "id"])
      .execute();
    const bucketCounts = sql.join(
      ROLLUP_LATENCY_EDGES_MS.concat([Number.POSITIVE_INFINITY]).map((edge, index) => {
        const lower = index === 0 ? null : ROLLUP_LATENCY_EDGES_MS[index - 1];
        const upper = Number.isFinite(edge) ? sql`latency_ms < ${sql.lit(edge)}` : sql`1 = 1`;
        const above =
          lower === null || lower === undefined ? sql`1 = 1` : sql`latency_ms >= ${sql.lit(lower)}`;
        return sql`sum(case when ${above} and ${upper} then 1 else 0 end)`;
      }),
      sql`, `,
    );
    await sql`
      insert into usage_hourly
        (org_id, hour_ms, model, provider, project_id, key_id,
         requests, errors, input_tokens, output_tokens, cost_usd, cache_hits, ${sql.join(LATENCY_COLUMNS.map((column) => sql.ref(column)))})
      select org_id, (created_at / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)},
        coalesce(model, ''), coalesce(provider, ''), coalesce(project_id, ''), coalesce(key_id, ''),
        count(*), sum(case when status >= 400 then 1 else 0 end),
        coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), coalesce(sum(cost_usd), 0),
        sum(case when cache_status like 'HIT%' then 1 else 0 end), ${bucketCounts}
      from request_logs
      where org_id is not null
      group by 1, 2, 3, 4, 5, 6
    `.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("request_logs_org_id_session_id").execute();
    await db.schema.dropTable("usage_hourly_properties").execute();
    await db.schema.dropTable("usage_rollup_properties").execute();
    await db.schema.dropTable("usage_hourly").execute();
  },
};
