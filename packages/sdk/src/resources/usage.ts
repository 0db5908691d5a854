/** `GET /v1/usage`: requests, tokens, cost and latency per time bucket and group. */
import type { RequestOptions } from "../request-options.js";
import type { Query } from "../transport.js";
import { FLAT, fromWire, toWire } from "../wire-case.js";
import { Resource } from "./resource.js";

export interface UsageQuery {
  from?: Date | string;
  to?: Date | string;
  interval?: "minute" | "hour" | "day";
  /** `model`, `provider`, `project_id`, `key_id`, `user_id` or `property.<name>`. */
  groupBy?: "model" | "provider" | "project_id" | "key_id" | "user_id" | `property.${string}`;
}

export interface UsagePoint {
  bucket: string;
  group: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheHits: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface UsageReport {
  object: "usage";
  interval: "minute" | "hour" | "day";
  from: string;
  to: string;
  groupBy: string | null;
  series: UsagePoint[];
}

export class Usage extends Resource {
  /**
   * Usage per bucket (and group) over a range.
   *
   * @example
   * const usage = await client.usage.get({ interval: "day", groupBy: "model" });
   * for (const point of usage.series) console.log(point.bucket, point.group, point.costUsd);
   */
  async get(query: UsageQuery = {}, options?: RequestOptions): Promise<UsageReport> {
    const body = await this.transport.json(
      { method: "GET", path: "/usage", query: toWire(query) as Query },
      options,
    );
    return fromWire(body, { series: FLAT }) as UsageReport;
  }
}
