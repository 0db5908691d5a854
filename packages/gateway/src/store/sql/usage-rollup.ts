/**
 * The hourly usage rollup (migration 0011): what a batch of newly written records adds to it,
 * summed in memory so a batch costs one upsert per (org, hour, dimensions, latency bucket), and
 * the upsert itself, portable to both dialects. Only records the batch actually inserted count
 * (a retried batch skips the ones already stored), so the rollup and the records never disagree.
 */
import { type Insertable, type Kysely, sql } from "kysely";
import { HOUR_MS, ROLLUP_LATENCY_EDGES_MS } from "../migrations/0011-usage-rollup.js";
import type { Database, RequestLogsTable, UsageHourlyPropertiesTable, UsageHourlyTable } from "./schema.js";

export { HOUR_MS, ROLLUP_LATENCY_EDGES_MS };

/** Group-bys the rollup can answer (the others read the records). */
export const ROLLUP_COLUMNS = ["model", "provider", "project_id", "key_id"] as const;

export function latencyBucket(latencyMs: number): number {
  const edges = ROLLUP_LATENCY_EDGES_MS;
  for (let index = 0; index < edges.length; index++) if (latencyMs < (edges[index] ?? 0)) return index;
  return edges.length;
}

/**
 * The properties rolled up (`usage.rollup_properties`), each from its `since` hour, as the
 * `usage_rollup_properties` table lists them. Shared by the writer and the reader of one process;
 * every instance writes the table's list, not its own config's, so a fleet whose configs differ
 * still keeps one consistent rollup. A property is named at least an hour ahead of its `since`,
 * so every instance has reloaded the list before it counts.
 */
export class RollupProperties {
  private current: ReadonlyMap<string, number> = new Map();

  get sinceByName(): ReadonlyMap<string, number> {
    return this.current;
  }

  async load(db: Kysely<Database>): Promise<void> {
    const rows = await db.selectFrom("usage_rollup_properties").selectAll().execute();
    this.current = new Map(rows.map((row) => [row.name, Number(row.since_ms)]));
  }

  /** Adds the names not listed yet, from the hour after next; then reloads. */
  async ensure(db: Kysely<Database>, names: readonly string[], nowMs: number): Promise<void> {
    await this.load(db);
    const since = Math.ceil(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
    const missing = names.filter((name) => !this.current.has(name));
    if (missing.length > 0) {
      await db
        .insertInto("usage_rollup_properties")
        .values(missing.map((name) => ({ name, since_ms: since })))
        .onConflict((conflict) => conflict.column("name").doNothing())
        .execute();
      await this.load(db);
    }
  }
}

type Sums = Pick<
  Insertable<UsageHourlyTable>,
  "requests" | "errors" | "input_tokens" | "output_tokens" | "cost_usd" | "cache_hits"
>;

const NO_SUMS = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, cache_hits: 0 };

function addRecord(delta: Sums, row: Insertable<RequestLogsTable>): void {
  delta.requests = Number(delta.requests) + 1;
  delta.errors = Number(delta.errors) + (Number(row.status) >= 400 ? 1 : 0);
  delta.input_tokens = Number(delta.input_tokens) + Number(row.prompt_tokens ?? 0);
  delta.output_tokens = Number(delta.output_tokens) + Number(row.completion_tokens ?? 0);
  delta.cost_usd = Number(delta.cost_usd) + Number(row.cost_usd ?? 0);
  delta.cache_hits = Number(delta.cache_hits) + (String(row.cache_status ?? "").startsWith("HIT") ? 1 : 0);
}

export function rollupDeltas(rows: readonly Insertable<RequestLogsTable>[]): Insertable<UsageHourlyTable>[] {
  const byKey = new Map<string, Insertable<UsageHourlyTable>>();
  for (const row of rows) {
    if (row.org_id === null || row.org_id === undefined) continue;
    const dimensions = {
      org_id: row.org_id,
      hour_ms: Math.floor(Number(row.created_at) / HOUR_MS) * HOUR_MS,
      model: row.model ?? "",
      provider: row.provider ?? "",
      project_id: row.project_id ?? "",
      key_id: row.key_id ?? "",
      lat: latencyBucket(Number(row.latency_ms)),
    };
    const key = Object.values(dimensions).join("\u0000");
    let delta = byKey.get(key);
    if (delta === undefined) {
      delta = { ...dimensions, ...NO_SUMS };
      byKey.set(key, delta);
    }
    addRecord(delta, row);
  }
  return [...byKey.values()];
}

/** What the records add per rolled-up property value (a record without the property: value ''). */
export function propertyRollupDeltas(
  rows: readonly Insertable<RequestLogsTable>[],
  properties: ReadonlyMap<string, number>,
): Insertable<UsageHourlyPropertiesTable>[] {
  if (properties.size === 0) return [];
  const byKey = new Map<string, Insertable<UsageHourlyPropertiesTable>>();
  for (const row of rows) {
    if (row.org_id === null || row.org_id === undefined) continue;
    const createdAt = Number(row.created_at);
    const text = String(row.properties ?? "{}");
    const values = (text === "{}" ? {} : JSON.parse(text)) as Record<string, unknown>;
    for (const [name, since] of properties) {
      if (createdAt < since) continue;
      const given = values[name];
      const dimensions = {
        org_id: row.org_id,
        hour_ms: Math.floor(createdAt / HOUR_MS) * HOUR_MS,
        name,
        value: typeof given === "string" ? given : "",
        lat: latencyBucket(Number(row.latency_ms)),
      };
      const key = Object.values(dimensions).join("\u0000");
      let delta = byKey.get(key);
      if (delta === undefined) {
        delta = { ...dimensions, ...NO_SUMS };
        byKey.set(key, delta);
      }
      addRecord(delta, row);
    }
  }
  return [...byKey.values()];
}

const SUMMED = ["requests", "errors", "input_tokens", "output_tokens", "cost_usd", "cache_hits"] as const;

/** The upsert as SQL text with positional parameters, for the SQLite writer's prepared statement. */
export const ROLLUP_UPSERT_SQL =
  "insert into usage_hourly (org_id, hour_ms, model, provider, project_id, key_id, lat, requests, errors, input_tokens, output_tokens, cost_usd, cache_hits) " +
  "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " +
  "on conflict (org_id, hour_ms, model, provider, project_id, key_id, lat) do update set " +
  SUMMED.map((column) => `${column} = usage_hourly.${column} + excluded.${column}`).join(", ");

export const PROPERTY_UPSERT_SQL =
  "insert into usage_hourly_properties (org_id, hour_ms, name, value, lat, requests, errors, input_tokens, output_tokens, cost_usd, cache_hits) " +
  "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " +
  "on conflict (org_id, name, hour_ms, value, lat) do update set " +
  SUMMED.map((column) => `${column} = usage_hourly_properties.${column} + excluded.${column}`).join(", ");

export function propertyParameters(delta: Insertable<UsageHourlyPropertiesTable>): unknown[] {
  return [
    delta.org_id,
    delta.hour_ms,
    delta.name,
    delta.value,
    delta.lat,
    ...SUMMED.map((column) => delta[column]),
  ];
}

export function rollupParameters(delta: Insertable<UsageHourlyTable>): unknown[] {
  return [
    delta.org_id,
    delta.hour_ms,
    delta.model,
    delta.provider,
    delta.project_id,
    delta.key_id,
    delta.lat,
    ...SUMMED.map((column) => delta[column]),
  ];
}

/** Deltas are unique per key, so one multi-row statement may carry many of them. */
const DELTAS_PER_STATEMENT = 200;

export async function upsertRollups(
  db: Kysely<Database>,
  deltas: readonly Insertable<UsageHourlyTable>[],
): Promise<void> {
  for (let start = 0; start < deltas.length; start += DELTAS_PER_STATEMENT) {
    await db
      .insertInto("usage_hourly")
      .values(deltas.slice(start, start + DELTAS_PER_STATEMENT))
      .onConflict((conflict) =>
        conflict
          .columns(["org_id", "hour_ms", "model", "provider", "project_id", "key_id", "lat"])
          .doUpdateSet(
            Object.fromEntries(
              SUMMED.map((column) => [
                column,
                sql`usage_hourly.${sql.ref(column)} + excluded.${sql.ref(column)}`,
              ]),
            ),
          ),
      )
      .execute();
  }
}

export async function upsertPropertyRollups(
  db: Kysely<Database>,
  deltas: readonly Insertable<UsageHourlyPropertiesTable>[],
): Promise<void> {
  for (let start = 0; start < deltas.length; start += DELTAS_PER_STATEMENT) {
    await db
      .insertInto("usage_hourly_properties")
      .values(deltas.slice(start, start + DELTAS_PER_STATEMENT))
      .onConflict((conflict) =>
        conflict
          .columns(["org_id", "name", "hour_ms", "value", "lat"])
          .doUpdateSet(
            Object.fromEntries(
              SUMMED.map((column) => [
                column,
                sql`usage_hourly_properties.${sql.ref(column)} + excluded.${sql.ref(column)}`,
              ]),
            ),
          ),
      )
      .execute();
  }
}
