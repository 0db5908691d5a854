/**
 * The hourly usage rollup (migration 0011): what a batch of newly written records adds to it,
 * summed in memory so a batch costs one upsert per (org, hour, dimensions, latency bucket), and
 * the upsert itself, portable to both dialects. Only records the batch actually inserted count
 * (a retried batch skips the ones already stored), so the rollup and the records never disagree.
 */
import { type Insertable, type Kysely, sql } from "kysely";
import { HOUR_MS, ROLLUP_LATENCY_EDGES_MS } from "../migrations/0011-usage-rollup.js";
import type { Database, RequestLogsTable, UsageHourlyTable } from "./schema.js";

export { HOUR_MS, ROLLUP_LATENCY_EDGES_MS };

/** Group-bys the rollup can answer (the others read the records). */
export const ROLLUP_COLUMNS = ["model", "provider", "project_id", "key_id"] as const;

export function latencyBucket(latencyMs: number): number {
  const edges = ROLLUP_LATENCY_EDGES_MS;
  for (let index = 0; index < edges.length; index++) if (latencyMs < (edges[index] ?? 0)) return index;
  return edges.length;
}

export function rollupDeltas(rows: readonly Insertable<RequestLogsTable>[]): Insertable<UsageHourlyTable>[] {
  const byKey = new Map<string, Insertable<UsageHourlyTable>>();
  for (const row of rows) {
    if (row.org_id === null || row.org_id === undefined) continue;
    const hour = Math.floor(Number(row.created_at) / HOUR_MS) * HOUR_MS;
    const dimensions = {
      org_id: row.org_id,
      hour_ms: hour,
      model: row.model ?? "",
      provider: row.provider ?? "",
      project_id: row.project_id ?? "",
      key_id: row.key_id ?? "",
      lat: latencyBucket(Number(row.latency_ms)),
    };
    const key = Object.values(dimensions).join("\u0000");
    let delta = byKey.get(key);
    if (delta === undefined) {
      delta = {
        ...dimensions,
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        cache_hits: 0,
      };
      byKey.set(key, delta);
    }
    delta.requests = Number(delta.requests) + 1;
    delta.errors = Number(delta.errors) + (Number(row.status) >= 400 ? 1 : 0);
    delta.input_tokens = Number(delta.input_tokens) + Number(row.prompt_tokens ?? 0);
    delta.output_tokens = Number(delta.output_tokens) + Number(row.completion_tokens ?? 0);
    delta.cost_usd = Number(delta.cost_usd) + Number(row.cost_usd ?? 0);
    delta.cache_hits = Number(delta.cache_hits) + (String(row.cache_status ?? "").startsWith("HIT") ? 1 : 0);
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
