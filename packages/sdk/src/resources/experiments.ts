/**
 * `/v1/experiments`: A/B tests between two routing rules. Creating one and rolling one back
 * change live routing, so those calls carry `X-Floopy-Confirm: experiments`.
 */
import type { PagePromise } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query } from "../transport.js";
import { FLAT, fromWire, toWire, type WireShape } from "../wire-case.js";
import { Resource, segment } from "./resource.js";

const CONFIRM = { "X-Floopy-Confirm": "experiments" };

export interface ExperimentCreate {
  name: string;
  /** The rule whose traffic is split (a routing rule's id is its name). */
  variantARoutingRuleId: string;
  /** The rule the split share is routed by instead. */
  variantBRoutingRuleId: string;
  /** The share of variant A's traffic sent to B, 1–99 (default 50). */
  splitPercentage?: number;
  description?: string;
}

export interface Experiment {
  id: string;
  name: string;
  description?: string | null;
  variantARoutingRuleId: string;
  variantBRoutingRuleId: string;
  splitPercentage: number;
  status: "active" | "rolled_back" | "completed";
  createdAt: string;
  updatedAt: string;
  /** When it was rolled back or completed; null while active. */
  endedAt: string | null;
}

export interface VariantResults {
  routingRuleId: string;
  /** In requests. */
  sampleSize: number;
  /** A fraction, 0–1. */
  successRate: number | null;
  averageLatencyMs: number | null;
  averageCostMicroUsd: number | null;
}

export interface ExperimentResults {
  experimentId: string;
  variantA: VariantResults;
  variantB: VariantResults;
  /** Null until the difference is statistically meaningful. */
  winner: "A" | "B" | "tie" | null;
  computedAt: string;
}

export interface ListQuery {
  limit?: number;
  cursor?: string;
}

const RESULTS_SHAPE: WireShape = { variant_a: FLAT, variant_b: FLAT };

export class Experiments extends Resource {
  /**
   * Starts an experiment: from the next request on, `splitPercentage` % of rule A's traffic goes by rule B.
   *
   * @example
   * const experiment = await client.experiments.create({
   *   name: "cheaper-fallback",
   *   variantARoutingRuleId: "resilient",
   *   variantBRoutingRuleId: "cheap",
   *   splitPercentage: 10,
   * });
   */
  async create(experiment: ExperimentCreate, options?: RequestOptions): Promise<Experiment> {
    const body = await this.transport.json(
      { method: "POST", path: "/experiments", body: toWire(experiment), headers: CONFIRM },
      options,
    );
    return fromWire(body) as Experiment;
  }

  /**
   * One page of experiments.
   *
   * @example
   * const page = await client.experiments.list();
   * console.log(page.items.map((e) => `${e.name}: ${e.status}`));
   */
  list(query: ListQuery = {}, options?: RequestOptions): PagePromise<Experiment> {
    return this.page("/experiments", toWire(query) as Query, FLAT, options);
  }

  /**
   * Every experiment, across pages.
   *
   * @example
   * for await (const experiment of client.experiments.iterate()) console.log(experiment.id);
   */
  iterate(query: ListQuery = {}, options?: RequestOptions): AsyncGenerator<Experiment, void, undefined> {
    return this.everyItem("/experiments", toWire(query) as Query, FLAT, options);
  }

  /**
   * One experiment.
   *
   * @example
   * const { status } = await client.experiments.get(experimentId);
   */
  async get(experimentId: string, options?: RequestOptions): Promise<Experiment> {
    const body = await this.transport.json(
      { method: "GET", path: `/experiments/${segment(experimentId)}` },
      options,
    );
    return fromWire(body) as Experiment;
  }

  /**
   * Each variant's sample size, success rate, latency and cost, and the winner once there is one.
   *
   * @example
   * const { variantA, variantB, winner } = await client.experiments.results(experimentId);
   */
  async results(experimentId: string, options?: RequestOptions): Promise<ExperimentResults> {
    const body = await this.transport.json(
      { method: "GET", path: `/experiments/${segment(experimentId)}/results` },
      options,
    );
    return fromWire(body, RESULTS_SHAPE) as ExperimentResults;
  }

  /**
   * Sends all of rule A's traffic back to A from the next request on; idempotent.
   *
   * @example
   * const experiment = await client.experiments.rollback(experimentId); // status "rolled_back"
   */
  async rollback(experimentId: string, options?: RequestOptions): Promise<Experiment> {
    const body = await this.transport.json(
      { method: "POST", path: `/experiments/${segment(experimentId)}/rollback`, headers: CONFIRM },
      options,
    );
    return fromWire(body) as Experiment;
  }
}
