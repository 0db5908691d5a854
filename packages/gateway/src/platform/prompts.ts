/**
 * The prompt library (INTERFACE.md "Prompts"): `POST /v1/prompts`, `GET /v1/prompts` (paged,
 * newest first), `GET /v1/prompts/{id}` (its latest version), `POST /v1/prompts/{id}/versions`
 * (the next version), `GET /v1/prompts/{id}/versions` (paged, oldest first) and
 * `GET /v1/prompts/{id}/versions/{n}`. Versions are immutable and each is complete (an omitted
 * `model` or `defaults` means none). Org-scoped: another org's prompt is the same 404 as a missing
 * one. A write is audited and reloads this instance's snapshot, which the prompt stage reads;
 * other instances reload within a poll.
 */
import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import { hasControlCharacter } from "../pipeline/control-characters.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { templateVariables } from "../prompts/prompt-template.js";
import { parseBody } from "../protocol/floopy-api/body-schema.js";
import { pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { ChatMessage, PromptRecord, PromptVersionRecord } from "../store/types.js";
import {
  callerOrg,
  keysetAfter,
  newestFirstPage,
  ownApiRoute,
  positionAfter,
  positionPage,
  recordControlChange,
} from "./own-api-calls.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const promptMessage = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(textPart).min(1)]),
  name: z.string().min(1).max(256).optional(),
});
const versionFields = {
  messages: z.array(promptMessage).min(1).max(200),
  model: z
    .string()
    .min(1)
    .max(256)
    .refine((model) => !hasControlCharacter(model), "it contains a control character")
    .nullable()
    .optional(),
  defaults: z.record(z.string().min(1).max(256), z.string().max(100_000)).optional(),
};
export const promptBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2_000).nullable().optional(),
  ...versionFields,
});
export const promptVersionBodySchema = z.strictObject(versionFields);

const NAMES = { operation: "prompts", route: "prompts" } as const;

export const promptRoutes: readonly IngressRoute[] = [
  ownApiRoute("POST", "/v1/prompts", NAMES, createPrompt),
  ownApiRoute("GET", "/v1/prompts", NAMES, listPrompts),
  ownApiRoute("GET", "/v1/prompts/:id", NAMES, getPrompt),
  ownApiRoute("POST", "/v1/prompts/:id/versions", NAMES, addVersion),
  ownApiRoute("GET", "/v1/prompts/:id/versions", NAMES, listVersions),
  ownApiRoute("GET", "/v1/prompts/:id/versions/:version", NAMES, getVersion),
];

async function createPrompt(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "prompts");
  const { services } = context;
  const body = parseBody(
    promptBodySchema,
    parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
    "{name, messages, model?, defaults?, description?}",
  );
  const created = await services.stores.prompts.createPrompt(
    { orgId, name: body.name, description: body.description ?? null },
    versionContent(body),
  );
  if (created === undefined) {
    throw new GatewayError("conflict", `A prompt named '${body.name}' exists; add a version to it instead.`, {
      param: "name",
    });
  }
  const answer = promptObject(created.prompt, created.version);
  await recordControlChange(context, {
    resource: "prompts",
    verb: "create",
    resourceId: created.prompt.id,
    before: null,
    after: answer,
  });
  return { status: 201, body: answer };
}

async function addVersion(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "prompts");
  const { services } = context;
  const promptId = context.params.id ?? "";
  const body = parseBody(
    promptVersionBodySchema,
    parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
    "{messages, model?, defaults?}",
  );
  const prompt = await services.stores.prompts.getPrompt(orgId, promptId);
  if (prompt === undefined) throw missingPrompt(promptId);
  const version = await services.stores.prompts.addPromptVersion(orgId, promptId, versionContent(body));
  if (version === undefined) throw missingPrompt(promptId);
  const answer = {
    ...promptObject({ ...prompt, latestVersion: version.version, updatedAt: version.createdAt }, version),
    prompt_id: promptId,
  };
  await recordControlChange(context, {
    resource: "prompts",
    verb: "add_version",
    resourceId: promptId,
    before: null,
    after: answer,
  });
  return { status: 201, body: answer };
}

async function getPrompt(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "prompts");
  const prompts = context.services.stores.prompts;
  const promptId = context.params.id ?? "";
  const prompt = await prompts.getPrompt(orgId, promptId);
  const latest =
    prompt === undefined ? undefined : await prompts.getPromptVersion(promptId, prompt.latestVersion);
  if (prompt === undefined || latest === undefined) throw missingPrompt(promptId);
  return { status: 200, body: promptObject(prompt, latest) };
}

async function listPrompts(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "prompts");
  const library = context.services.stores.prompts;
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const prompts = await library.listPrompts(orgId, limit + 1, keysetAfter(context));
  const latest = new Map<string, PromptVersionRecord>();
  for (const prompt of prompts.slice(0, limit)) {
    const version = await library.getPromptVersion(prompt.id, prompt.latestVersion);
    if (version !== undefined) latest.set(prompt.id, version);
  }
  // Versions are written with their prompt in one transaction: every listed prompt has its latest.
  return newestFirstPage(context, prompts, limit, (prompt) => {
    const version = latest.get(prompt.id);
    return version === undefined ? null : promptObject(prompt, version);
  });
}

async function listVersions(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "prompts");
  const prompts = context.services.stores.prompts;
  const promptId = context.params.id ?? "";
  if ((await prompts.getPrompt(orgId, promptId)) === undefined) throw missingPrompt(promptId);
  const limit = pageLimit(context.params.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const versions = await prompts.listPromptVersions(promptId, limit + 1, positionAfter(context, 0));
  return positionPage(context, versions, limit, (version) => version.version, versionObject);
}

async function getVersion(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context, "prompts");
  const prompts = context.services.stores.prompts;
  const promptId = context.params.id ?? "";
  const text = context.params.version ?? "";
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number) || number < 1) {
    throw new GatewayError("invalid_request", "The version must be a number (1, 2, …).", {
      param: "version",
    });
  }
  const prompt = await prompts.getPrompt(orgId, promptId);
  const version = prompt === undefined ? undefined : await prompts.getPromptVersion(promptId, number);
  if (prompt === undefined) throw missingPrompt(promptId);
  if (version === undefined)
    throw new GatewayError("not_found", `Prompt '${promptId}' has no version ${number}.`);
  return { status: 200, body: versionObject(version) };
}

function versionContent(body: z.output<typeof promptVersionBodySchema>) {
  return {
    messages: body.messages as ChatMessage[],
    model: body.model ?? null,
    defaults: body.defaults ?? {},
  };
}

function missingPrompt(promptId: string): GatewayError {
  return new GatewayError("not_found", `No prompt '${promptId}'.`);
}

export function promptObject(prompt: PromptRecord, version: PromptVersionRecord) {
  return {
    object: "prompt",
    id: prompt.id,
    name: prompt.name,
    description: prompt.description,
    version: version.version,
    latest_version: prompt.latestVersion,
    messages: version.messages,
    model: version.model,
    defaults: version.defaults,
    variables: templateVariables(version.messages),
    created_at: prompt.createdAt.toISOString(),
    updated_at: prompt.updatedAt.toISOString(),
  };
}

function versionObject(version: PromptVersionRecord) {
  return {
    object: "prompt.version",
    prompt_id: version.promptId,
    version: version.version,
    messages: version.messages,
    model: version.model,
    defaults: version.defaults,
    variables: templateVariables(version.messages),
    created_at: version.createdAt.toISOString(),
  };
}
