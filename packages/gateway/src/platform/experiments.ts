/**
 * Experiments (INTERFACE.md): A/B between two routing rules. `POST /v1/experiments` and
 * `POST /v1/experiments/{id}/rollback` change live routing, so they need
 * `X-Floopy-Confirm: experiments`; rollback is idempotent and answers the experiment. An active
 * experiment takes `split_percentage` % of the traffic variant A's rule would route (sticky per
 * session) to variant B's rule — from the snapshot, reloaded here at once and on other instances
 * within a poll. Results count each variant's requests from the request log; `winner` is named by
 * routing/experiment-verdict.ts. Org-scoped: another org's experiment is the same 404 as none.
 */
import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { invalidBody, parseBody } from "../protocol/floopy-api/body-schema.js";
import { requireConfirmationHeader } from "../protocol/floopy-api/confirmation.js";
import { pageLimit } from "../protocol/floopy-api/list-pages.js";
import { experimentVerdict } from "../routing/experiment-verdict.js";
import type { ExperimentRecord, VariantOutcomes } from "../store/types.js";
import {
  callerOrg,
  keysetAfter,
  newestFirstPage,
  ownApiRoute,
  recordControlChange,
} from "./own-api-calls.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export const experimentBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  variant_a_routing_rule_id: z.string().min(1),
  variant_b_routing_rule_id: z.string().min(1),
  split_percentage: z.number().int().min(1).max(99).optional(),
  description: z.string().max(2_000).nullable().optional(),
});

const NAMES = { operation: "experiments", route: "experiments" } as const;

export const experimentRoutes: readonly IngressRoute[] = [
  ownApiRoute("POST", "/v1/experiments", NAMES, createExperiment),
  ownApiRoute("GET", "/v1/experiments", NAMES, listExperiments),
  ownApiRoute("GET", "/v1/experiments/:id", NAMES, getExperiment),
  ownApiRoute("GET", "/v1/experiments/:id/results", NAMES, experimentResults),
  ownApiRoute("POST", "/v1/experiments/:id/rollback", NAMES, rollBack),
];

async function createExperiment(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "experiments");
  requireConfirmationHeader(context.headers, "experiments", "experiments");
  const { services } = context;
  const body = parseBody(
    experimentBodySchema,
    parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
    "{name, variant_a_routing_rule_id, variant_b_routing_rule_id, split_percentage?, description?}",
  );
  for (const field of ["variant_a_routing_rule_id", "variant_b_routing_rule_id"] as const) {
    if (services.snapshot.rule(body[field]) === undefined) {
      throw invalidBody(`${field}: there is no routing rule named '${body[field]}'.`, field);
    }
  }
  if (body.variant_a_routing_rule_id === body.variant_b_routing_rule_id) {
    throw invalidBody(
      "variant_b_routing_rule_id: it must differ from variant A's rule.",
      "variant_b_routing_rule_id",
    );
  }
  const created = await services.stores.experiments.createExperiment({
    orgId,
    name: body.name,
    description: body.description ?? null,
    variantARule: body.variant_a_routing_rule_id,
    variantBRule: body.variant_b_routing_rule_id,
    splitPercentage: body.split_percentage ?? 50,
  });
  if (created === undefined) {
    throw new GatewayError(
      "conflict",
      `An active experiment already splits the traffic of '${body.variant_a_routing_rule_id}'; roll it back first.`,
      { param: "variant_a_routing_rule_id" },
    );
  }
  const answer = experimentObject(created);
  await recordControlChange(context, {
    resource: "experiments",
    verb: "create",
    resourceId: created.id,
    before: null,
    after: answer,
  });
  return { status: 201, body: answer };
}

async function listExperiments(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "experiments");
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const experiments = await context.services.stores.experiments.listExperiments(
    orgId,
    limit + 1,
    keysetAfter(context),
  );
  return newestFirstPage(context, experiments, limit, experimentObject);
}

async function getExperiment(context: RequestContext): Promise<StageResponse> {
  return { status: 200, body: experimentObject(await findExperiment(context)) };
}

async function experimentResults(context: RequestContext): Promise<StageResponse> {
  const experiment = await findExperiment(context);
  const { services } = context;
  // This instance's records of the experiment are written first, so its answer counts them.
  await services.records.flush().catch(() => undefined);
  const outcomes = await services.stores.experiments.experimentOutcomes(experiment.id);
  const a = outcomes.find((outcome) => outcome.variant === "A") ?? noOutcomes("A");
  const b = outcomes.find((outcome) => outcome.variant === "B") ?? noOutcomes("B");
  const verdict = experimentVerdict(
    { requests: a.requests, successes: a.successes },
    { requests: b.requests, successes: b.successes },
  );
  return {
    status: 200,
    body: {
      object: "experiment.results",
      experiment_id: experiment.id,
      variant_a: variantResults(experiment.variantARule, a),
      variant_b: variantResults(experiment.variantBRule, b),
      winner: verdict.winner,
      test: {
        name: "two_proportion_z_test",
        metric: "success_rate",
        alpha: 0.05,
        z: verdict.z,
        p_value: verdict.pValue,
      },
      computed_at: new Date().toISOString(),
    },
  };
}

async function rollBack(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "experiments");
  requireConfirmationHeader(context.headers, "experiments", "experiments");
  const before = await findExperiment(context);
  const ended = await context.services.stores.experiments.rollBackExperiment(orgId, before.id, new Date());
  if (ended === undefined) throw missingExperiment(before.id);
  const answer = experimentObject(ended);
  if (before.status === "active")
    await recordControlChange(context, {
      resource: "experiments",
      verb: "rollback",
      resourceId: ended.id,
      before: experimentObject(before),
      after: answer,
    });
  return { status: 200, body: answer };
}

async function findExperiment(context: RequestContext): Promise<ExperimentRecord> {
  const orgId = callerOrg(context, "experiments");
  const id = context.params.id ?? "";
  const experiment = await context.services.stores.experiments.getExperiment(orgId, id);
  if (experiment === undefined) throw missingExperiment(id);
  return experiment;
}

function missingExperiment(id: string): GatewayError {
  return new GatewayError("not_found", `No experiment '${id}'.`);
}

function noOutcomes(variant: "A" | "B"): VariantOutcomes {
  return { variant, requests: 0, successes: 0, latencyMsSum: 0, costUsdSum: 0 };
}

function variantResults(rule: string, outcomes: VariantOutcomes) {
  const { requests } = outcomes;
  return {
    routing_rule_id: rule,
    sample_size: requests,
    success_rate: requests === 0 ? null : outcomes.successes / requests,
    average_latency_ms: requests === 0 ? null : outcomes.latencyMsSum / requests,
    average_cost_micro_usd: requests === 0 ? null : (outcomes.costUsdSum * 1_000_000) / requests,
  };
}

export function experimentObject(experiment: ExperimentRecord) {
  return {
    object: "experiment",
    id: experiment.id,
    name: experiment.name,
    description: experiment.description,
    variant_a_routing_rule_id: experiment.variantARule,
    variant_b_routing_rule_id: experiment.variantBRule,
    split_percentage: experiment.splitPercentage,
    status: experiment.status,
    created_at: experiment.createdAt.toISOString(),
    updated_at: experiment.updatedAt.toISOString(),
    ended_at: experiment.endedAt === null ? null : experiment.endedAt.toISOString(),
  };
}
