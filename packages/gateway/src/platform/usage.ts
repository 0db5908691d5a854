/**
 * `GET /v1/usage?from=&to=&interval=&group_by=`: the caller's org's requests, errors, tokens, cost,
 * cache hits and latency percentiles per time bucket (minute, hour, day) and group (a record
 * column or a `property.<name>`), summed by the database in one query. Latency percentiles come
 * from a histogram the same query counts, so nothing is held per request: each is the upper edge
 * of the histogram bucket it falls in (docs/requests.md lists the edges).
 */
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { dateParam } from "../protocol/floopy-api/list-pages.js";
import type { UsageQuery, UsageRow } from "../store/types.js";

const INTERVALS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const COLUMNS = ["model", "provider", "project_id", "key_id", "user_id"] as const;
/** The most buckets one answer may hold (a range over a day by minute is 1,440). */
const MAX_BUCKETS = 10_000;
/** Upper edges of the latency histogram, ms: roughly 1-2-3-5-7 per decade. */
export const LATENCY_EDGES_MS = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000,
  7_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
];

export const usageRoutes: readonly IngressRoute[] = [
  {
    method: "GET",
    url: "/v1/usage",
    protocol: "floopy-api",
    operation: "usage",
    route: "usage",
    bodyLimit: "admin",
    stages: [authenticate, answerUsage],
  },
];

async function answerUsage(context: RequestContext): Promise<StageResponse> {
  const orgId = context.key?.orgId;
  if (!orgId) throw new GatewayError("INVALID_API_KEY", "A Floopy key is required.");
  const { params } = context;
  const intervalName = params.interval ?? "hour";
  if (!Object.hasOwn(INTERVALS, intervalName)) {
    throw new GatewayError("invalid_request", "interval must be minute, hour or day.", { param: "interval" });
  }
  const intervalMs = INTERVALS[intervalName as keyof typeof INTERVALS];
  const to = dateParam(params, "to") ?? context.receivedAt;
  const from = dateParam(params, "from") ?? new Date(to.getTime() - INTERVALS.day);
  if (from.getTime() >= to.getTime())
    throw new GatewayError("invalid_request", "from must be before to.", { param: "from" });
  if ((to.getTime() - from.getTime()) / intervalMs > MAX_BUCKETS) {
    throw new GatewayError(
      "invalid_request",
      `The range holds more than ${MAX_BUCKETS} ${intervalName}s: narrow it or use a longer interval.`,
      { param: "interval" },
    );
  }
  const query: UsageQuery = {
    orgId,
    from,
    to,
    intervalMs,
    groupBy: groupBy(params.group_by),
    latencyEdgesMs: LATENCY_EDGES_MS,
  };
  const rows = await context.services.stores.events.usage(query);
  return {
    status: 200,
    body: {
      object: "usage",
      interval: intervalName,
      from: from.toISOString(),
      to: to.toISOString(),
      group_by: params.group_by ?? null,
      series: rows.map(seriesPoint),
    },
  };
}

function groupBy(value: string | undefined): UsageQuery["groupBy"] {
  if (value === undefined || value === "") return null;
  if (value.startsWith("property.") && value.length > "property.".length) {
    return { kind: "property", name: value.slice("property.".length) };
  }
  const column = COLUMNS.find((name) => name === value);
  if (column) return { kind: "column", column };
  throw new GatewayError(
    "invalid_request",
    `group_by must be one of ${COLUMNS.join(", ")} or property.<name>.`,
    { param: "group_by" },
  );
}

function seriesPoint(row: UsageRow) {
  return {
    bucket: new Date(row.bucketStartMs).toISOString(),
    group: row.group,
    requests: row.requests,
    errors: row.errors,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cost_usd: Math.round(row.costUsd * 1e9) / 1e9,
    cache_hits: row.cacheHits,
    latency_p50_ms: percentile(row.latencyHistogram, 0.5),
    latency_p95_ms: percentile(row.latencyHistogram, 0.95),
  };
}

/** The upper edge of the histogram bucket holding the `share` quantile (the last edge for the open bucket). */
export function percentile(histogram: readonly number[], share: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let index = 0; index < histogram.length; index++) {
    seen += histogram[index] ?? 0;
    if (seen >= share * total) return LATENCY_EDGES_MS[Math.min(index, LATENCY_EDGES_MS.length - 1)] ?? null;
  }
  return LATENCY_EDGES_MS.at(-1) ?? null;
}
