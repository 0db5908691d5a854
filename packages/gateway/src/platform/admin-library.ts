/**
 * The admin API's view of prompts and experiments (INTERFACE.md admin resources): an operator's
 * admin key lists any org's prompts and experiments (`?org=`), reads one by id, and rolls an
 * experiment back (`X-Floopy-Confirm: experiments`) — the emergency stop when a variant misbehaves
 * and its org's own keys are not at hand. Declared here, beside the own API that writes them, with
 * the admin API's authentication (admin keys only) and audit.
 */
import { GatewayError } from "../errors/gateway-error.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { requireConfirmationHeader } from "../protocol/floopy-api/confirmation.js";
import { pageLimit } from "../protocol/floopy-api/list-pages.js";
import { experimentObject } from "./experiments.js";
import { keysetAfter, newestFirstPage, ownApiRoute, recordControlChange } from "./own-api-calls.js";
import { promptObject } from "./prompts.js";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

// `admin`: authenticate accepts admin keys only, and gateway keys get 403.
const PROMPTS = { operation: "admin", route: "admin_prompts" } as const;
const EXPERIMENTS = { operation: "admin", route: "admin_experiments" } as const;

export const adminLibraryRoutes: readonly IngressRoute[] = [
  ownApiRoute("GET", "/admin/prompts", PROMPTS, listPrompts),
  ownApiRoute("GET", "/admin/prompts/:id", PROMPTS, getPrompt),
  ownApiRoute("GET", "/admin/experiments", EXPERIMENTS, listExperiments),
  ownApiRoute("GET", "/admin/experiments/:id", EXPERIMENTS, getExperiment),
  ownApiRoute("POST", "/admin/experiments/:id/rollback", EXPERIMENTS, rollBack),
];

function orgParam(context: RequestContext): string {
  const org = context.params.org;
  if (org === undefined || org === "") {
    throw new GatewayError("invalid_request", "Name the org: ?org=<org id>.", { param: "org" });
  }
  return org;
}

async function listPrompts(context: RequestContext): Promise<StageResponse> {
  const library = context.services.stores.prompts;
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const prompts = await library.listPrompts(orgParam(context), limit + 1, keysetAfter(context));
  const latest = new Map(
    await Promise.all(
      prompts
        .slice(0, limit)
        .map(
          async (prompt) =>
            [prompt.id, await library.getPromptVersion(prompt.id, prompt.latestVersion)] as const,
        ),
    ),
  );
  return newestFirstPage(context, prompts, limit, (prompt) => {
    const version = latest.get(prompt.id);
    return version === undefined ? null : { ...promptObject(prompt, version), org_id: prompt.orgId };
  });
}

async function getPrompt(context: RequestContext): Promise<StageResponse> {
  const library = context.services.stores.prompts;
  const id = context.params.id ?? "";
  const prompt = await library.findPrompt(id);
  const version = prompt === undefined ? undefined : await library.getPromptVersion(id, prompt.latestVersion);
  if (prompt === undefined || version === undefined)
    throw new GatewayError("not_found", `No prompt '${id}'.`);
  return { status: 200, body: { ...promptObject(prompt, version), org_id: prompt.orgId } };
}

async function listExperiments(context: RequestContext): Promise<StageResponse> {
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const experiments = await context.services.stores.experiments.listExperiments(
    orgParam(context),
    limit + 1,
    keysetAfter(context),
  );
  return newestFirstPage(context, experiments, limit, (experiment) => ({
    ...experimentObject(experiment),
    org_id: experiment.orgId,
  }));
}

async function getExperiment(context: RequestContext): Promise<StageResponse> {
  const experiment = await findExperiment(context);
  return { status: 200, body: { ...experimentObject(experiment), org_id: experiment.orgId } };
}

async function rollBack(context: RequestContext): Promise<StageResponse> {
  requireConfirmationHeader(context.headers, "experiments", "experiments");
  const before = await findExperiment(context);
  const ended = await context.services.stores.experiments.rollBackExperiment(
    before.orgId,
    before.id,
    new Date(),
  );
  if (ended === undefined) throw new GatewayError("not_found", `No experiment '${before.id}'.`);
  const answer = { ...experimentObject(ended), org_id: ended.orgId };
  if (before.status === "active") {
    await recordControlChange(context, {
      resource: "experiments",
      verb: "rollback",
      resourceId: ended.id,
      before: experimentObject(before),
      after: experimentObject(ended),
    });
  }
  return { status: 200, body: answer };
}

async function findExperiment(context: RequestContext) {
  const id = context.params.id ?? "";
  const experiment = await context.services.stores.experiments.findExperiment(id);
  if (experiment === undefined) throw new GatewayError("not_found", `No experiment '${id}'.`);
  return experiment;
}
