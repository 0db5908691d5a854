/**
 * The hourly usage rollup (migration 0011): what a batch of newly written records adds to it,
 * summed in memory so a batch costs one upsert per (org, hour, dimensions), each row carrying its
 * latency histogram as count columns, and the upsert itself, portable to both dialects. Only
 * records the batch actually inserted count (a retried batch skips the ones already stored), so
 * the rollup and the records never disagree.
 */
import { type Insertable, type Kysely, sql } from "kysely";
import { HOUR_MS, LATENCY_COLUMNS, ROLLUP_LATENCY_EDGES_MS } from "../migrations/0011-usage-rollup.js";
import type { Database, RequestLogsTable, UsageHourlyPropertiesTable, UsageHourlyTable } from "./schema.js";

export { HOUR_MS, LATENCY_COLUMNS, ROLLUP_LATENCY_EDGES_MS };

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

/** The columns a row sums: the totals, then one count per latency bucket. */
export const SUMMED: readonly string[] = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "cache_hits",
  ...LATENCY_COLUMNS,
];

type Sums = Record<string, number>;

function noSums(): Sums {
  return Object.fromEntries(SUMMED.map((column) => [column, 0]));
}

function addRecord(delta: Sums, row: Insertable<RequestLogsTable>): void {
  delta.requests = (delta.requests ?? 0) + 1;
  delta.errors = (delta.errors ?? 0) + (Number(row.status) >= 400 ? 1 : 0);
  delta.input_tokens = (delta.input_tokens ?? 0) + Number(row.prompt_tokens ?? 0);
  delta.output_tokens = (delta.output_tokens ?? 0) + Number(row.completion_tokens ?? 0);
  delta.cost_usd = (delta.cost_usd ?? 0) + Number(row.cost_usd ?? 0);
  delta.cache_hits = (delta.cache_hits ?? 0) + (String(row.cache_status ?? "").startsWith("HIT") ? 1 : 0);
  const bucket = `lat_${latencyBucket(Number(row.latency_ms))}`;
  delta[bucket] = (delta[bucket] ?? 0) + 1;
}

export type RollupDelta = Insertable<UsageHourlyTable>;
export type PropertyRollupDelta = Insertable<UsageHourlyPropertiesTable>;

export function rollupDeltas(rows: readonly Insertable<RequestLogsTable>[]): RollupDelta[] {
  const byKey = new Map<string, RollupDelta>();
  for (const row of rows) {
    if (row.org_id === null || row.org_id === undefined) continue;
    const dimensions = {
      org_id: row.org_id,
      hour_ms: Math.floor(Number(row.created_at) / HOUR_MS) * HOUR_MS,
      model: row.model ?? "",
      provider: row.provider ?? "",
      project_id: row.project_id ?? "",
      key_id: row.key_id ?? "",
    };
    const key = Object.values(dimensions).join("\u0000");
    let delta = byKey.get(key);
    if (delta === undefined) {
      delta = { ...noSums(), ...dimensions } as RollupDelta;
      byKey.set(key, delta);
    }
    addRecord(delta as unknown as Sums, row);
  }
  return [...byKey.values()];
}

/** What the records add per rolled-up property value (a record without the property: value ''). */
export function propertyRollupDeltas(
  rows: readonly Insertable<RequestLogsTable>[],
  properties: ReadonlyMap<string, number>,
): PropertyRollupDelta[] {
  if (properties.size === 0) return [];
  const byKey = new Map<string, PropertyRollupDelta>();
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
      };
      const key = Object.values(dimensions).join("\u0000");
      let delta = byKey.get(key);
      if (delta === undefined) {
        delta = { ...noSums(), ...dimensions } as PropertyRollupDelta;
        byKey.set(key, delta);
      }
      addRecord(delta as unknown as Sums, row);
    }
  }
  return [...byKey.values()];
}

const HOURLY_KEY = ["org_id", "hour_ms", "model", "provider", "project_id", "key_id"] as const;
const PROPERTY_KEY = ["org_id", "hour_ms", "name", "value"] as const;
const PROPERTY_CONFLICT = ["org_id", "name", "hour_ms", "value"] as const;

function upsertSql(table: string, key: readonly string[], conflict: readonly string[]): string {
  const columns = [...key, ...SUMMED];
  return (
    `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")}) ` +
    `on conflict (${conflict.join(", ")}) do update set ` +
    SUMMED.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(", ")
  );
}

/** The upserts as SQL text with positional parameters, for the SQLite writer's prepared statements. */
export const ROLLUP_UPSERT_SQL = upsertSql("usage_hourly", HOURLY_KEY, HOURLY_KEY);
export const PROPERTY_UPSERT_SQL = upsertSql("usage_hourly_properties", PROPERTY_KEY, PROPERTY_CONFLICT);

export function rollupParameters(delta: RollupDelta): unknown[] {
  const row = delta as unknown as Record<string, unknown>;
  return [...HOURLY_KEY, ...SUMMED].map((column) => row[column]);
}

export function propertyParameters(delta: PropertyRollupDelta): unknown[] {
  const row = delta as unknown as Record<string, unknown>;
  return [...PROPERTY_KEY, ...SUMMED].map((column) => row[column]);
}

/** Deltas are unique per key, so one multi-row statement may carry many of them. */
const DELTAS_PER_STATEMENT = 100;

/** `column = table.column + excluded.column` for every summed column (typed loosely: the histogram's names are generated). */
const added = (table: string) =>
  Object.fromEntries(
    SUMMED.map((column) => [
      column,
      sql<number>`${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`,
    ]),
  ) as never;

export async function upsertRollups(db: Kysely<Database>, deltas: readonly RollupDelta[]): Promise<void> {
  for (let start = 0; start < deltas.length; start += DELTAS_PER_STATEMENT) {
    await db
      .insertInto("usage_hourly")
      .values(deltas.slice(start, start + DELTAS_PER_STATEMENT))
      .onConflict((conflict) => conflict.columns([...HOURLY_KEY]).doUpdateSet(added("usage_hourly")))
      .execute();
  }
}

export async function upsertPropertyRollups(
  db: Kysely<Database>,
  deltas: readonly PropertyRollupDelta[],
): Promise<void> {
  for (let start = 0; start < deltas.length; start += DELTAS_PER_STATEMENT) {
    await db
      .insertInto("usage_hourly_properties")
      .values(deltas.slice(start, start + DELTAS_PER_STATEMENT))
      .onConflict((conflict) =>
        conflict.columns([...PROPERTY_CONFLICT]).doUpdateSet(added("usage_hourly_properties")),
      )
      .execute();
  }
}
