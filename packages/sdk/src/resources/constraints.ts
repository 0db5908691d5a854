/** `GET /v1/constraints` and `PUT /v1/constraints`: the org's own limits. */
import type { RequestOptions } from "../request-options.js";
import { fromWire, toWire } from "../wire-case.js";
import { Resource } from "./resource.js";

export interface Constraints {
  costLimitMonthlyUsd: number | null;
  tokenWindowSeconds: number | null;
  maxTokensPerWindow: number | null;
  maxRequestsPerMinute: number | null;
}

/** A full replacement: a value left out or `null` is cleared. */
export type ConstraintsUpdate = { [Name in keyof Constraints]?: number | null };

export class ConstraintsResource extends Resource {
  /**
   * The org's constraints.
   *
   * @example
   * const { maxRequestsPerMinute } = await client.constraints.get();
   */
  async get(options?: RequestOptions): Promise<Constraints> {
    return fromWire(
      await this.transport.json({ method: "GET", path: "/constraints" }, options),
    ) as Constraints;
  }

  /**
   * Replaces all four constraints (those left out are cleared) and answers what was stored.
   *
   * @example
   * await client.constraints.update({ maxRequestsPerMinute: 600, costLimitMonthlyUsd: 100 });
   */
  async update(constraints: ConstraintsUpdate, options?: RequestOptions): Promise<Constraints> {
    const body = await this.transport.json(
      { method: "PUT", path: "/constraints", body: toWire(constraints) },
      options,
    );
    return fromWire(body) as Constraints;
  }
}
