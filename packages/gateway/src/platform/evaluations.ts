/**
 * Datasets and evaluations (INTERFACE.md "Datasets", "Evaluations"). A dataset is uploaded whole,
 * as JSON `{name, items}` or as JSON Lines (`Content-Type: application/x-ndjson`, `?name=`, one
 * item a line), up to the generation body limit (32 MiB by default) and MAX_ITEMS items. A run
 * `{dataset_id, model, prompt_id?, config?}` is created pending and executed in the background by
 * evaluations/evaluation-runner.ts (which survives restarts); its status, summary, paged results
 * and cancel are here. Gated by the plan's `evaluations` feature; org-scoped (another org's
 * dataset or run is the same 404 as a missing one).
 */
import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import { checkScorer } from "../evaluations/scorers.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { invalidBody, parseBody } from "../protocol/floopy-api/body-schema.js";
import { pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { DatasetRecord, EvaluationResultRecord, EvaluationRunRecord } from "../store/types.js";
import {
  callerOrg,
  keysetAfter,
  newestFirstPage,
  ownApiRoute,
  positionAfter,
  positionPage,
} from "./own-api-calls.js";

export const MAX_ITEMS = 10_000;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

const chatMessage = z.looseObject({ role: z.string().min(1), content: z.unknown() });
export const datasetItemSchema = z.strictObject({
  input: z.strictObject({
    messages: z.array(chatMessage).max(500).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
  }),
  expected: z.unknown().optional(),
});
export const datasetBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  items: z.array(datasetItemSchema).min(1).max(MAX_ITEMS),
});
export const evaluationBodySchema = z.strictObject({
  dataset_id: z.string().min(1),
  model: z.string().min(1).max(256),
  prompt_id: z.string().min(1).nullable().optional(),
  config: z
    .strictObject({
      scorers: z.array(z.string()).max(10).optional(),
      judge_model: z.string().min(1).max(256).optional(),
      concurrency: z.number().int().min(1).max(32).optional(),
      max_cost_usd: z.number().positive().optional(),
    })
    .optional(),
});

const DATASETS = { operation: "evaluations", route: "datasets" } as const;
const EVALUATIONS = { operation: "evaluations", route: "evaluations" } as const;

export const evaluationRoutes: readonly IngressRoute[] = [
  ownApiRoute("POST", "/v1/datasets", DATASETS, createDataset, "generation"),
  ownApiRoute("GET", "/v1/datasets", DATASETS, listDatasets),
  ownApiRoute("GET", "/v1/datasets/:id", DATASETS, getDataset),
  ownApiRoute("GET", "/v1/datasets/:id/items", DATASETS, listItems),
  ownApiRoute("POST", "/v1/evaluations", EVALUATIONS, createRun),
  ownApiRoute("GET", "/v1/evaluations", EVALUATIONS, listRuns),
  ownApiRoute("GET", "/v1/evaluations/:id", EVALUATIONS, getRun),
  ownApiRoute("GET", "/v1/evaluations/:id/results", EVALUATIONS, listResults),
  ownApiRoute("POST", "/v1/evaluations/:id/cancel", EVALUATIONS, cancelRun),
];

async function createDataset(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "evaluations");
  const { services } = context;
  const contentType = String(context.headers["content-type"] ?? "").toLowerCase();
  const { name, items } =
    contentType.startsWith("application/x-ndjson") || contentType.startsWith("application/jsonl")
      ? jsonLinesDataset(context)
      : parseBody(
          datasetBodySchema,
          parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
          "{name, items: [{input: {messages?, inputs?}, expected?}]}",
        );
  const dataset = await services.stores.evaluations.createDataset(
    { orgId, name },
    items.map((item) => ({ input: item.input as never, expected: item.expected ?? null })),
  );
  return { status: 201, body: datasetObject(dataset) };
}

function jsonLinesDataset(context: RequestContext) {
  const name = context.params.name;
  if (name === undefined || name === "" || name.length > 200) {
    throw new GatewayError(
      "invalid_request",
      "A JSON Lines upload names its dataset: ?name=… (1–200 characters).",
      {
        param: "name",
      },
    );
  }
  const lines = (context.rawBody ?? Buffer.alloc(0)).toString("utf8").split("\n");
  const items: z.output<typeof datasetItemSchema>[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    if (items.length === MAX_ITEMS) throw invalidBody(`A dataset holds at most ${MAX_ITEMS} items.`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw invalidBody(`line ${index + 1}: not JSON.`, `line ${index + 1}`);
    }
    try {
      items.push(parseBody(datasetItemSchema, parsed, "{input: {messages?, inputs?}, expected?}"));
    } catch (error) {
      if (error instanceof GatewayError)
        throw invalidBody(`line ${index + 1}: ${error.message}`, `line ${index + 1}`);
      throw error;
    }
  }
  if (items.length === 0) throw invalidBody("The upload holds no items.");
  return { name, items };
}

async function listDatasets(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "evaluations");
  const { services } = context;
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const datasets = await services.stores.evaluations.listDatasets(orgId, limit + 1, keysetAfter(context));
  return newestFirstPage(context, datasets, limit, datasetObject);
}

async function getDataset(context: RequestContext): Promise<StageResponse> {
  return { status: 200, body: datasetObject(await findDataset(context, context.params.id ?? "")) };
}

async function listItems(context: RequestContext): Promise<StageResponse> {
  const dataset = await findDataset(context, context.params.id ?? "");
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const items = await context.services.stores.evaluations.listDatasetItems(
    dataset.id,
    limit + 1,
    positionAfter(context, -1),
  );
  return positionPage(
    context,
    items,
    limit,
    (item) => item.position,
    (item) => ({
      object: "dataset.item",
      id: item.id,
      dataset_id: dataset.id,
      input: item.input,
      expected: item.expected,
    }),
  );
}

async function createRun(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "evaluations");
  const { services } = context;
  const body = parseBody(
    evaluationBodySchema,
    parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
    "{dataset_id, model, prompt_id?, config?}",
  );
  await findDataset(context, body.dataset_id);
  const scorers = body.config?.scorers ?? ["exact"];
  for (const [index, scorer] of scorers.entries()) {
    const problem = checkScorer(scorer);
    if (problem !== null)
      throw invalidBody(`config.scorers.${index}: ${problem}.`, `config.scorers.${index}`);
  }
  if (scorers.includes("judge") && body.config?.judge_model === undefined) {
    throw invalidBody("config.judge_model: the judge scorer needs a judge model.", "config.judge_model");
  }
  const catalogue = services.providers.catalogueFor(orgId);
  for (const [field, model] of [
    ["model", body.model],
    ["config.judge_model", body.config?.judge_model],
  ] as const) {
    if (model === undefined) continue;
    const resolution = catalogue.resolve(model);
    if (!resolution.ok) throw invalidBody(`${field}: ${resolution.message}`, field);
  }
  const promptId = body.prompt_id ?? null;
  if (promptId !== null && services.snapshot.prompt(orgId, promptId) === undefined) {
    throw invalidBody(`prompt_id: there is no prompt '${promptId}'.`, "prompt_id");
  }
  const run = await services.stores.evaluations.createRun({
    orgId,
    keyId: context.key?.id ?? "",
    datasetId: body.dataset_id,
    model: body.model,
    promptId,
    config: { scorers, ...body.config },
  });
  services.evaluations.submit();
  return { status: 201, body: runObject(run) };
}

async function listRuns(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "evaluations");
  const { services } = context;
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const runs = await services.stores.evaluations.listRuns(orgId, limit + 1, keysetAfter(context));
  return newestFirstPage(context, runs, limit, runObject);
}

async function getRun(context: RequestContext): Promise<StageResponse> {
  return { status: 200, body: runObject(await findRun(context)) };
}

async function listResults(context: RequestContext): Promise<StageResponse> {
  const run = await findRun(context);
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const results = await context.services.stores.evaluations.listResults(
    run.id,
    limit + 1,
    positionAfter(context, -1),
  );
  return positionPage(context, results, limit, (result) => result.position, resultObject);
}

async function cancelRun(context: RequestContext): Promise<StageResponse> {
  const run = await findRun(context);
  const { services } = context;
  const cancelled = await services.stores.evaluations.updateRun(run.id, ["pending", "running"], {
    status: "cancelled",
    finishedAt: new Date(),
    owner: null,
  });
  if (cancelled === undefined) {
    throw new GatewayError(
      "conflict",
      `Evaluation '${run.id}' has finished (${run.status}); there is nothing to cancel.`,
    );
  }
  services.evaluations.cancel(run.id);
  const totals = await services.stores.evaluations.totals(run.id);
  const summarised = await services.stores.evaluations.updateRun(run.id, ["cancelled"], {
    summary: summaryOf(totals),
  });
  return { status: 200, body: runObject(summarised ?? cancelled) };
}

async function findDataset(context: RequestContext, id: string): Promise<DatasetRecord> {
  const orgId = callerOrg(context, "evaluations");
  const dataset = await context.services.stores.evaluations.getDataset(orgId, id);
  if (dataset === undefined) throw new GatewayError("not_found", `No dataset '${id}'.`);
  return dataset;
}

async function findRun(context: RequestContext): Promise<EvaluationRunRecord> {
  const orgId = callerOrg(context, "evaluations");
  const id = context.params.id ?? "";
  const run = await context.services.stores.evaluations.getRun(orgId, id);
  if (run === undefined) throw new GatewayError("not_found", `No evaluation '${id}'.`);
  return run;
}

function summaryOf(totals: {
  items: number;
  scored: number;
  failed: number;
  scoreSum: number;
  costUsd: number;
}) {
  return {
    mean_score: totals.scored === 0 ? null : totals.scoreSum / totals.scored,
    items: totals.items,
    scored: totals.scored,
    failed: totals.failed,
    cost_usd: totals.costUsd,
  };
}

function datasetObject(dataset: DatasetRecord) {
  return {
    object: "dataset",
    id: dataset.id,
    name: dataset.name,
    item_count: dataset.itemCount,
    created_at: dataset.createdAt.toISOString(),
  };
}

function runObject(run: EvaluationRunRecord) {
  return {
    object: "evaluation",
    id: run.id,
    dataset_id: run.datasetId,
    model: run.model,
    prompt_id: run.promptId,
    status: run.status,
    config: run.config,
    error: run.error,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    finished_at: run.finishedAt?.toISOString() ?? null,
    summary: run.summary,
  };
}

function resultObject(result: EvaluationResultRecord) {
  return {
    object: "evaluation.result",
    id: result.id,
    run_id: result.runId,
    input_id: result.inputId,
    output: result.output,
    score: result.score,
    metadata: { ...result.metadata, cost_usd: result.costUsd, failed: result.failed },
    created_at: result.createdAt.toISOString(),
  };
}
