/**
 * The events store over Kysely, one implementation for SQLite and PostgreSQL. Records arrive in
 * batches from the record queue; a batch is written atomically (one statement, or one transaction
 * when it needs several) and idempotently (a record id already stored is skipped), so the queue
 * may retry a batch whose first outcome it never learned without failing on duplicates.
 */
import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql } from "kysely";
import type {
  AttemptRecord,
  DecisionQuery,
  DecisionRecord,
  EventStore,
  GatewayInstanceRecord,
  KeySpend,
  RequestLogQuery,
  RequestLogRecord,
  TokenUsage,
  UsageQuery,
  UsageRow,
} from "../types.js";
import { newestFirst, olderThan } from "./newest-first.js";
import type { Database, RequestLogsTable, SessionTurnsTable } from "./schema.js";
import { chunks, fromEpochMs, fromFlag, MAX_BOUND_PARAMETERS, toEpochMs, toFlag } from "./sql-values.js";
import {
  HOUR_MS,
  LATENCY_COLUMNS,
  propertyRollupDeltas,
  ROLLUP_COLUMNS,
  ROLLUP_LATENCY_EDGES_MS,
  type RollupProperties,
  rollupDeltas,
  upsertPropertyRollups,
  upsertRollups,
} from "./usage-rollup.js";

/** Rows per INSERT; also kept under the bound-parameter limit below. */
const MAX_ROWS_PER_STATEMENT = 500;

export class SqlEventStore implements EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
    /** The properties the usage rollup keeps (the SQLite writer reads the same object). */
    private readonly rollupProperties: RollupProperties,
    /** A faster writer for request logs, where the backend has one (SQLite). */
    private readonly insertRows?: (rows: readonly Insertable<RequestLogsTable>[]) => void,
  ) {}

  async insertRequestLogs(records: readonly RequestLogRecord[]): Promise<void> {
    await this.insertLogRows(records.map(toRequestLogRow));
    // Turns after their logs; both skip rows already stored, so a batch retried after failing
    // between the two writes stores neither twice.
    const turns = records.flatMap(toSessionTurnRow);
    for (const batch of chunks(turns, MAX_ROWS_PER_STATEMENT)) {
      await this.db
        .insertInto("session_turns")
        .values(batch)
        .onConflict((conflict) => conflict.column("request_id").doNothing())
        .execute();
    }
  }

  private async insertLogRows(rows: Insertable<RequestLogsTable>[]): Promise<void> {
    // SQLite's writer keeps the rollup itself, in its own transaction (open-stores.ts).
    if (this.insertRows) return this.insertRows(rows);
    const first = rows[0];
    if (first === undefined) return;
    const rowsPerStatement = Math.min(
      MAX_ROWS_PER_STATEMENT,
      Math.floor(MAX_BOUND_PARAMETERS / Object.keys(first).length),
    );
    await this.db.transaction().execute(async (transaction) => {
      const inserted = new Set<string>();
      for (const batch of chunks(rows, rowsPerStatement)) {
        const stored = await transaction
          .insertInto("request_logs")
          .values(batch)
          .onConflict((conflict) => conflict.column("id").doNothing())
          .returning("id")
          .execute();
        for (const row of stored) inserted.add(row.id);
      }
      // Only what this batch inserted: a retried batch's skipped records are already counted.
      const added = rows.filter((row) => inserted.has(row.id));
      await upsertRollups(transaction, rollupDeltas(added));
      await upsertPropertyRollups(
        transaction,
        propertyRollupDeltas(added, this.rollupProperties.sinceByName),
      );
    });
  }

  async ensureRollupProperties(names: readonly string[]): Promise<void> {
    await this.rollupProperties.ensure(this.db, names, Date.now());
  }

  async reloadRollupProperties(): Promise<void> {
    await this.rollupProperties.load(this.db);
  }

  async getRequestLog(id: string): Promise<RequestLogRecord | undefined> {
    const row = await this.db.selectFrom("request_logs").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toRequestLog(row);
  }

  async listRequestLogs(query: RequestLogQuery): Promise<RequestLogRecord[]> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw new RangeError(`listRequestLogs: limit must be a non-negative integer, got ${query.limit}`);
    }
    const { orgId, after, from, to } = query;
    let select = this.db
      .selectFrom("request_logs")
      .selectAll()
      .$if(orgId !== undefined, (select) => select.where("org_id", "=", orgId ?? ""))
      .$if(from !== undefined, (select) => select.where("created_at", ">=", toEpochMs(from ?? new Date(0))))
      .$if(to !== undefined, (select) => select.where("created_at", "<", toEpochMs(to ?? new Date(0))))
      .$if(after !== undefined, (select) =>
        select.where(olderThan(after ?? { createdAt: new Date(0), id: "" })),
      );
    const equal = [
      ["model", query.model],
      ["provider", query.provider],
      ["status", query.status],
      ["key_id", query.keyId],
      ["project_id", query.projectId],
      ["user_id", query.userId],
      ["session_id", query.sessionId],
    ] as const;
    for (const [column, value] of equal) if (value !== undefined) select = select.where(column, "=", value);
    for (const [name, value] of Object.entries(query.properties ?? {})) {
      // Properties are stored as JSON.stringify wrote them: `"name":"value"`, both JSON-escaped,
      // appears in the text exactly when the record has that property with that value (a quote
      // inside a value is escaped, so it cannot fake one). A plain substring test: no JSON
      // functions, which the two dialects spell differently.
      const member = `${JSON.stringify(name)}:${JSON.stringify(value)}`;
      select = select.where(containsText(this.dialect, member));
    }
    const rows = await select
      // id breaks ties between records of the same millisecond, so pages are stable.
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(query.limit)
      .execute();
    return rows.map(toRequestLog);
  }

  async listDecisions(query: DecisionQuery): Promise<RequestLogRecord[]> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw new RangeError(`listDecisions: limit must be a non-negative integer, got ${query.limit}`);
    }
    const { after, from, to, model, provider, status, rule } = query;
    const rows = await this.db
      .selectFrom("request_logs")
      .selectAll()
      .where("org_id", "=", query.orgId)
      .where("decision", "is not", null)
      .$if(from !== undefined, (select) => select.where("created_at", ">=", toEpochMs(from ?? new Date(0))))
      .$if(to !== undefined, (select) => select.where("created_at", "<", toEpochMs(to ?? new Date(0))))
      .$if(model !== undefined, (select) => select.where("model", "=", model ?? ""))
      .$if(provider !== undefined, (select) => select.where("provider", "=", provider ?? ""))
      .$if(status !== undefined, (select) => select.where("status", "=", status ?? 0))
      .$if(rule !== undefined, (select) => select.where("routing_rule", "=", rule ?? ""))
      .$call(newestFirst(after, query.limit))
      .execute();
    return rows.map(toRequestLog);
  }

  async usage(query: UsageQuery): Promise<UsageRow[]> {
    const interval = Math.floor(query.intervalMs);
    if (!Number.isSafeInteger(interval) || interval <= 0)
      throw new RangeError("usage: intervalMs must be positive");
    const edges = query.latencyEdgesMs;
    const from = toEpochMs(query.from);
    const to = toEpochMs(query.to);
    // Whole hours come from the rollup when it can answer the question; the partial hours at
    // either end, and every question it cannot answer, from the records themselves.
    const span = rollupSpan(query, interval, from, to, this.rollupProperties.sinceByName);
    const parts =
      span === null
        ? [this.recordUsage(query, interval, from, to)]
        : [
            ...(from < span.from ? [this.recordUsage(query, interval, from, span.from)] : []),
            this.rollupUsage(query, interval, span.from, span.to),
            ...(span.to < to ? [this.recordUsage(query, interval, span.to, to)] : []),
          ];
    const rows = new Map<string, UsageRow>();
    for (const row of (await Promise.all(parts)).flat()) {
      const start = Number(row.bucket) * interval;
      const id = `${start}\u0000${row.grp ?? ""}\u0000${row.grp === null ? 0 : 1}`;
      let entry = rows.get(id);
      if (!entry) {
        entry = {
          bucketStartMs: start,
          group: row.grp === null ? null : String(row.grp),
          requests: 0,
          errors: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          cacheHits: 0,
          latencyHistogram: new Array<number>(edges.length + 1).fill(0),
        };
        rows.set(id, entry);
      }
      entry.requests += Number(row.requests);
      entry.errors += Number(row.errors);
      entry.inputTokens += Number(row.input_tokens ?? 0);
      entry.outputTokens += Number(row.output_tokens ?? 0);
      entry.costUsd += Number(row.cost ?? 0);
      entry.cacheHits += Number(row.hits);
      if (row.lat !== undefined) {
        const lat = Number(row.lat);
        entry.latencyHistogram[lat] = (entry.latencyHistogram[lat] ?? 0) + Number(row.requests);
      } else {
        // A rollup row carries its whole histogram, one count column per bucket.
        for (let index = 0; index <= edges.length; index++) {
          entry.latencyHistogram[index] =
            (entry.latencyHistogram[index] ?? 0) + Number(row[`lat_${index}`] ?? 0);
        }
      }
    }
    return [...rows.values()].sort(
      (a, b) => a.bucketStartMs - b.bucketStartMs || String(a.group).localeCompare(String(b.group)),
    );
  }

  private async recordUsage(
    query: UsageQuery,
    interval: number,
    from: number,
    to: number,
  ): Promise<UsageSqlRow[]> {
    const group = usageGroup(this.dialect, query.groupBy);
    const edges = query.latencyEdgesMs;
    const latency = sql.join(
      // Literals (the edges are the gateway's own numbers): PostgreSQL cannot type a CASE of parameters.
      edges.map((edge, index) => sql`when latency_ms < ${sql.lit(edge)} then ${sql.lit(index)}`),
      sql` `,
    );
    // Integer division by a literal: both dialects then keep the bucket an integer.
    const bucket = sql.raw(`(created_at / ${interval})`);
    const result = await sql<UsageSqlRow>`
      select ${bucket} as bucket, ${group} as grp,
        case ${latency} else ${sql.lit(edges.length)} end as lat,
        count(*) as requests,
        sum(case when status >= 400 then 1 else 0 end) as errors,
        sum(prompt_tokens) as input_tokens,
        sum(completion_tokens) as output_tokens,
        sum(cost_usd) as cost,
        sum(case when cache_status like 'HIT%' then 1 else 0 end) as hits
      from request_logs
      where org_id = ${query.orgId} and created_at >= ${from} and created_at < ${to}
      group by 1, 2, 3
    `.execute(this.db);
    return result.rows;
  }

  private async rollupUsage(
    query: UsageQuery,
    interval: number,
    from: number,
    to: number,
  ): Promise<UsageSqlRow[]> {
    const groupBy = query.groupBy;
    const histogram = sql.join(
      LATENCY_COLUMNS.map((column) => sql`sum(${sql.ref(column)}) as ${sql.ref(column)}`),
    );
    const bucket = sql.raw(`(hour_ms / ${interval})`);
    if (groupBy?.kind === "property") {
      const result = await sql<UsageSqlRow>`
        select ${bucket} as bucket, nullif(value, '') as grp,
          sum(requests) as requests, sum(errors) as errors,
          sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
          sum(cost_usd) as cost, sum(cache_hits) as hits, ${histogram}
        from usage_hourly_properties
        where org_id = ${query.orgId} and name = ${groupBy.name} and hour_ms >= ${from} and hour_ms < ${to}
        group by 1, 2
      `.execute(this.db);
      return result.rows;
    }
    // A dimension the record had none of is '' in the rollup, NULL in the records.
    const group =
      groupBy === null
        ? sql<null>`null`
        : sql<string | null>`nullif(${sql.ref(groupBy.kind === "column" ? groupBy.column : "")}, '')`;
    const result = await sql<UsageSqlRow>`
      select ${bucket} as bucket, ${group} as grp,
        sum(requests) as requests, sum(errors) as errors,
        sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
        sum(cost_usd) as cost, sum(cache_hits) as hits, ${histogram}
      from usage_hourly
      where org_id = ${query.orgId} and hour_ms >= ${from} and hour_ms < ${to}
      group by 1, 2
    `.execute(this.db);
    return result.rows;
  }

  async spendSince(from: Date): Promise<KeySpend[]> {
    const rows = await this.db
      .selectFrom("request_logs")
      .select(["key_id", "org_id", (eb) => eb.fn.sum<number | string>("cost_usd").as("cost")])
      .where("created_at", ">=", toEpochMs(from))
      .where("key_id", "is not", null)
      .where("org_id", "is not", null)
      .where("cost_usd", "is not", null)
      .groupBy(["key_id", "org_id"])
      .execute();
    return rows.flatMap((row) =>
      row.key_id === null || row.org_id === null
        ? []
        : [{ keyId: row.key_id, orgId: row.org_id, costUsd: Number(row.cost) }],
    );
  }

  async listGatewayInstances(): Promise<GatewayInstanceRecord[]> {
    const rows = await this.db.selectFrom("gateway_instances").selectAll().orderBy("started_at").execute();
    return rows.map((row) => ({
      id: row.id,
      host: row.host,
      pid: row.pid,
      startedAt: fromEpochMs(row.started_at),
      flushedAt: fromEpochMs(row.flushed_at),
      seenAt: fromEpochMs(row.seen_at),
    }));
  }

  async saveGatewayInstance(instance: GatewayInstanceRecord): Promise<void> {
    const row = {
      id: instance.id,
      host: instance.host,
      pid: instance.pid,
      started_at: toEpochMs(instance.startedAt),
      flushed_at: toEpochMs(instance.flushedAt),
      seen_at: toEpochMs(instance.seenAt),
    };
    await this.db
      .insertInto("gateway_instances")
      .values(row)
      .onConflict((conflict) =>
        conflict.column("id").doUpdateSet({ flushed_at: row.flushed_at, seen_at: row.seen_at }),
      )
      .execute();
  }

  async removeGatewayInstance(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("gateway_instances").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toRequestLogRow(record: RequestLogRecord): Insertable<RequestLogsTable> {
  const { usage } = record;
  return {
    id: record.id,
    created_at: toEpochMs(record.createdAt),
    operation: record.operation,
    ingress_protocol: record.ingressProtocol,
    org_id: record.orgId,
    key_id: record.keyId,
    project_id: record.projectId,
    user_id: record.userId,
    session_id: record.sessionId,
    session_name: record.sessionName,
    session_path: record.sessionPath,
    properties: stringifyProperties(record.properties),
    requested_model: record.requestedModel,
    provider: record.provider,
    model: record.model,
    stream: toFlag(record.stream),
    status: record.status,
    error_code: record.errorCode,
    error_message: record.errorMessage,
    ttft_ms: record.ttftMs,
    latency_ms: record.latencyMs,
    prompt_tokens: usage?.promptTokens ?? null,
    completion_tokens: usage?.completionTokens ?? null,
    total_tokens: usage?.totalTokens ?? null,
    cached_tokens: usage?.cachedTokens ?? null,
    reasoning_tokens: usage?.reasoningTokens ?? null,
    usage_source: record.usageSource,
    cost_usd: record.costUsd,
    cache_status: record.cacheStatus,
    cost_saved_usd: record.costSavedUsd,
    fallback_used: toFlag(record.fallbackUsed),
    attempts: JSON.stringify(record.attempts),
    routing_rule: record.routingRule,
    decision: record.decision === null ? null : JSON.stringify(record.decision),
    experiment_id: record.experiment?.id ?? null,
    experiment_variant: record.experiment?.variant ?? null,
  };
}

function toSessionTurnRow(record: RequestLogRecord): Insertable<SessionTurnsTable>[] {
  if (record.turn === null || record.sessionId === null || record.orgId === null) return [];
  return [
    {
      request_id: record.id,
      org_id: record.orgId,
      key_id: record.keyId,
      session_id: record.sessionId,
      created_at: toEpochMs(record.createdAt),
      provider: record.provider,
      model: record.model,
      messages: record.turn.messages === null ? null : JSON.stringify(record.turn.messages),
    },
  ];
}

/** Most requests carry no properties; their "{}" needs no serialiser. */
function stringifyProperties(properties: Record<string, string>): string {
  for (const _name in properties) return JSON.stringify(properties);
  return "{}";
}

/** The group column of a usage query; a property's value read from its JSON, per dialect. */
interface UsageSqlRow {
  bucket: number | string;
  grp: string | null;
  /** A record row's latency bucket; a rollup row has `lat_<n>` counts instead. */
  lat?: number | string;
  [histogram: `lat_${number}`]: number | string | undefined;
  requests: number | string;
  errors: number | string;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  cost: number | string | null;
  hits: number | string;
}

/** The whole hours of [from, to) the rollup answers, or null when it cannot answer this query. */
function rollupSpan(
  query: UsageQuery,
  interval: number,
  from: number,
  to: number,
  properties: ReadonlyMap<string, number>,
): { from: number; to: number } | null {
  const { groupBy, latencyEdgesMs } = query;
  // A rolled-up property counts from its `since` hour; before it, the records answer.
  let since = Number.NEGATIVE_INFINITY;
  if (groupBy?.kind === "property") {
    const named = properties.get(groupBy.name);
    if (named === undefined) return null;
    since = named;
  } else if (groupBy !== null && !(ROLLUP_COLUMNS as readonly string[]).includes(groupBy.column)) {
    return null;
  }
  if (interval % HOUR_MS !== 0) return null;
  if (
    latencyEdgesMs.length !== ROLLUP_LATENCY_EDGES_MS.length ||
    latencyEdgesMs.some((edge, index) => edge !== ROLLUP_LATENCY_EDGES_MS[index])
  )
    return null;
  const start = Math.max(Math.ceil(from / HOUR_MS) * HOUR_MS, since);
  const end = Math.floor(to / HOUR_MS) * HOUR_MS;
  return start < end ? { from: start, to: end } : null;
}

function usageGroup(
  dialect: "sqlite" | "postgres",
  groupBy: UsageQuery["groupBy"],
): RawBuilder<string | null> {
  if (groupBy === null) return sql<null>`null`;
  if (groupBy.kind === "column") return sql.ref(groupBy.column) as unknown as RawBuilder<string | null>;
  return dialect === "sqlite"
    ? sql<string | null>`json_extract(properties, ${`$.${JSON.stringify(groupBy.name)}`})`
    : sql<string | null>`(properties::jsonb ->> ${groupBy.name})`;
}

/** Whether `properties` holds `text` as a substring, case-sensitively, in either dialect. */
function containsText(dialect: "sqlite" | "postgres", text: string): RawBuilder<boolean> {
  return dialect === "sqlite"
    ? sql<boolean>`instr(properties, ${text}) > 0`
    : sql<boolean>`strpos(properties, ${text}) > 0`;
}

function toRequestLog(row: Selectable<RequestLogsTable>): RequestLogRecord {
  return {
    id: row.id,
    createdAt: fromEpochMs(row.created_at),
    operation: row.operation,
    ingressProtocol: row.ingress_protocol,
    orgId: row.org_id,
    keyId: row.key_id,
    projectId: row.project_id,
    userId: row.user_id,
    sessionId: row.session_id,
    sessionName: row.session_name,
    sessionPath: row.session_path,
    properties: parseProperties(row.properties),
    requestedModel: row.requested_model,
    provider: row.provider,
    model: row.model,
    stream: fromFlag(row.stream),
    status: row.status,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    ttftMs: row.ttft_ms,
    latencyMs: row.latency_ms,
    usage: toUsage(row),
    usageSource: toUsageSource(row.usage_source),
    costUsd: row.cost_usd,
    cacheStatus: row.cache_status,
    costSavedUsd: row.cost_saved_usd,
    fallbackUsed: fromFlag(row.fallback_used),
    attempts: parseAttempts(row.attempts),
    routingRule: row.routing_rule,
    decision: row.decision === null ? null : (JSON.parse(row.decision) as DecisionRecord),
    experiment:
      row.experiment_id === null
        ? null
        : { id: row.experiment_id, variant: row.experiment_variant === "B" ? "B" : "A" },
    // A record read back does not carry its turn: sessions are read from their own table.
    turn: null,
  };
}

function toUsage(row: Selectable<RequestLogsTable>): TokenUsage | null {
  const promptTokens = row.prompt_tokens;
  const completionTokens = row.completion_tokens;
  const totalTokens = row.total_tokens;
  const cachedTokens = row.cached_tokens;
  const reasoningTokens = row.reasoning_tokens;
  if (
    promptTokens === null ||
    completionTokens === null ||
    totalTokens === null ||
    cachedTokens === null ||
    reasoningTokens === null
  ) {
    return null;
  }
  return { promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens };
}

function toUsageSource(value: string | null): RequestLogRecord["usageSource"] {
  if (value === null || value === "upstream" || value === "tokenizer" || value === "estimate") return value;
  throw new Error(`request_logs.usage_source holds an unknown value "${value}"`);
}

// The JSON columns are written only by toRequestLogRow; a value failing these checks means the
// row was altered outside Floopy, which is reported rather than papered over.
function parseProperties(text: string): Record<string, string> {
  const value: unknown = JSON.parse(text);
  if (!isStringRecord(value)) throw new Error("request_logs.properties is not a JSON object of strings");
  return value;
}

function parseAttempts(text: string): AttemptRecord[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every(isAttempt)) {
    throw new Error("request_logs.attempts is not a JSON array of attempts");
  }
  return value;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((entry) => typeof entry === "string");
}

function isAttempt(value: unknown): value is AttemptRecord {
  if (typeof value !== "object" || value === null) return false;
  const attempt: Record<string, unknown> = { ...value };
  return (
    typeof attempt.provider === "string" &&
    typeof attempt.model === "string" &&
    (attempt.status === null || typeof attempt.status === "number") &&
    (attempt.errorClass === null || typeof attempt.errorClass === "string") &&
    typeof attempt.latencyMs === "number"
  );
}
