/** `/v1/evaluations`: run a model (or a prompt) over a dataset and score each answer. */
import type { PagePromise } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query } from "../transport.js";
import { FLAT, fromWire, toWire, type WireShape } from "../wire-case.js";
import type { ListQuery } from "./experiments.js";
import { Resource, segment } from "./resource.js";

export type Scorer = "exact" | "contains" | "json_valid" | "judge" | `regex:${string}`;

export interface EvaluationConfig {
  scorers?: Scorer[];
  judgeModel?: string;
  concurrency?: number;
  maxCostUsd?: number;
}

export interface EvaluationCreate {
  datasetId: string;
  model: string;
  promptId?: string;
  config?: EvaluationConfig;
}

export interface EvaluationSummary {
  meanScore: number | null;
  items: number;
  scored: number;
  failed: number;
  costUsd: number;
}

export interface EvaluationRun {
  id: string;
  datasetId: string;
  model: string;
  promptId: string | null;
  status: "pending" | "running" | "completed" | "failed" | "cancelled";
  config: EvaluationConfig;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  summary: EvaluationSummary | null;
}

export interface EvaluationResult {
  id: string;
  runId: string;
  inputId: string;
  /** The answer text. */
  output: string | null;
  /** 0–1, or null when it could not be scored. */
  score: number | null;
  metadata: Record<string, unknown> | null;
  createdAt: string;
}

const RUN_SHAPE: WireShape = { config: FLAT, summary: FLAT };

export class Evaluations extends Resource {
  /**
   * Starts a run; it proceeds in the background (poll `get` for its status).
   *
   * @example
   * const run = await client.evaluations.create({
   *   datasetId: dataset.id,
   *   model: "gpt-4o-mini",
   *   config: { scorers: ["contains"], concurrency: 4 },
   * });
   */
  async create(evaluation: EvaluationCreate, options?: RequestOptions): Promise<EvaluationRun> {
    const body = await this.transport.json(
      { method: "POST", path: "/evaluations", body: toWire(evaluation, RUN_SHAPE) },
      options,
    );
    return fromWire(body, RUN_SHAPE) as EvaluationRun;
  }

  /**
   * One run, with its summary once it has finished.
   *
   * @example
   * const { status, summary } = await client.evaluations.get(runId);
   */
  async get(runId: string, options?: RequestOptions): Promise<EvaluationRun> {
    const body = await this.transport.json(
      { method: "GET", path: `/evaluations/${segment(runId)}` },
      options,
    );
    return fromWire(body, RUN_SHAPE) as EvaluationRun;
  }

  /**
   * One page of a run's scored answers; `for await` over it reads them all.
   *
   * @example
   * for await (const result of client.evaluations.results(runId)) console.log(result.score, result.output);
   */
  results(runId: string, query: ListQuery = {}, options?: RequestOptions): PagePromise<EvaluationResult> {
    return this.page(`/evaluations/${segment(runId)}/results`, toWire(query) as Query, FLAT, options);
  }

  /**
   * Every scored answer of a run, across pages.
   *
   * @example
   * const scores = [];
   * for await (const result of client.evaluations.iterateResults(runId)) scores.push(result.score);
   */
  iterateResults(
    runId: string,
    query: ListQuery = {},
    options?: RequestOptions,
  ): AsyncGenerator<EvaluationResult, void, undefined> {
    return this.everyItem(`/evaluations/${segment(runId)}/results`, toWire(query) as Query, FLAT, options);
  }

  /**
   * Cancels a run; cancelling a finished one is a `FloopyConflictError`.
   *
   * @example
   * const run = await client.evaluations.cancel(runId); // status "cancelled"
   */
  async cancel(runId: string, options?: RequestOptions): Promise<EvaluationRun> {
    const body = await this.transport.json(
      { method: "POST", path: `/evaluations/${segment(runId)}/cancel` },
      options,
    );
    return fromWire(body, RUN_SHAPE) as EvaluationRun;
  }

  /**
   * One page of runs (`GET /v1/evaluations`).
   *
   * @example
   * const { items } = await client.evaluations.list();
   */
  list(query: ListQuery = {}, options?: RequestOptions): PagePromise<EvaluationRun> {
    return this.page("/evaluations", toWire(query) as Query, RUN_SHAPE, options);
  }

  /**
   * Every run, across pages.
   *
   * @example
   * for await (const run of client.evaluations.iterate()) console.log(run.id, run.status);
   */
  iterate(query: ListQuery = {}, options?: RequestOptions): AsyncGenerator<EvaluationRun, void, undefined> {
    return this.everyItem("/evaluations", toWire(query) as Query, RUN_SHAPE, options);
  }
}
