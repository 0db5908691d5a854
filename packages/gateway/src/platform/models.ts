/**
 * The model routes — `GET /v1/models[/{id}]` and Gemini's `GET /v1beta/models[/{id}]` — answer with what the enabled providers really serve (the
 * model directory: each provider's own model list, cached, the catalogue standing in for one that
 * cannot be listed) merged with the configured models and aliases, in the caller's protocol:
 * OpenAI's `{object:"list", data}`, Anthropic's paged `{data, has_more, first_id, last_id}`, or
 * Gemini's `{models:[{name:"models/…"}], nextPageToken}`; and one model in the same three shapes.
 */
import type { IncomingHttpHeaders } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import type { IngressProtocol } from "../protocol/ingress-protocol.js";
import type { CatalogueEntry } from "../providers/model-catalogue.js";

// The catalogue has no creation dates, and a moving one would look like churn.
const CATALOGUE_CREATED = 1_700_000_000;
const ANTHROPIC_DEFAULT_LIMIT = 20;
const GEMINI_DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE = 1000;

/**
 * Whose model list a `GET /v1/models` caller expects, from how it presents its key: a Gemini key
 * (`x-goog-api-key`, `?key=`) means `@google/genai`, `anthropic-version` or `x-api-key` means
 * `@anthropic-ai/sdk`, anything else OpenAI. Its errors take the same shape.
 */
export function modelsCallerProtocol(
  headers: IncomingHttpHeaders,
  query: Readonly<Record<string, unknown>>,
): IngressProtocol {
  if (headers["x-goog-api-key"] !== undefined || query.key !== undefined) return "gemini";
  if (headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined)
    return "anthropic-messages";
  return "openai-models";
}

const modelRoute = (
  url: string,
  operation: "list_models" | "get_model",
  protocol: IngressProtocol,
): IngressRoute => ({
  method: "GET",
  url,
  protocol,
  ...(protocol === "openai-models" ? { callerProtocol: modelsCallerProtocol } : {}),
  operation,
  route: "models",
  bodyLimit: "admin",
  stages: [authenticate, answerModels],
});

export const modelRoutes: readonly IngressRoute[] = [
  modelRoute("/v1/models", "list_models", "openai-models"),
  modelRoute("/v1/models/*", "get_model", "openai-models"),
  modelRoute("/v1beta/models", "list_models", "gemini"),
  modelRoute("/v1beta/models/*", "get_model", "gemini"),
];

async function answerModels(context: RequestContext): Promise<StageResponse> {
  const { operation } = context;
  const { providers, models } = context.services;
  // A provider stored for one org is listed to that org's keys only.
  const catalogue = providers.catalogueFor(context.key?.orgId ?? null);
  const served = await models.served(catalogue.enabledProviders);
  if (operation === "list_models") {
    const entries = catalogue.list(served);
    switch (context.protocol) {
      case "anthropic-messages":
        return { status: 200, body: anthropicPage(context, entries) };
      case "gemini":
        return { status: 200, body: geminiPage(context, entries) };
      default:
        return { status: 200, body: { object: "list", data: entries.map(openaiModel) } };
    }
  }
  const id = context.params.id ?? "";
  // Gemini callers name models as resources (`models/gemini-2.5-flash`).
  const reference = context.protocol === "gemini" && id.startsWith("models/") ? id.slice(7) : id;
  const entry = catalogue.find(reference, served);
  if (!entry) {
    throw new GatewayError(
      "NOT_FOUND",
      `The model '${reference}' does not exist or you do not have access to it.`,
      { wireCode: "model_not_found", param: "model" },
    );
  }
  switch (context.protocol) {
    case "anthropic-messages":
      return { status: 200, body: anthropicModel(entry) };
    case "gemini":
      return { status: 200, body: geminiModel(entry) };
    default:
      return { status: 200, body: openaiModel(entry) };
  }
}

function openaiModel(entry: CatalogueEntry) {
  return {
    id: entry.id,
    object: "model",
    created: entry.served?.created ?? CATALOGUE_CREATED,
    owned_by: entry.provider,
  };
}

function anthropicModel(entry: CatalogueEntry) {
  const created = entry.served?.created ?? CATALOGUE_CREATED;
  return {
    type: "model",
    id: entry.id,
    display_name: entry.served?.displayName ?? entry.id,
    created_at: new Date(created * 1000).toISOString().replace(".000Z", "Z"),
  };
}

/** Anthropic's paging: `limit` (1–1000, default 20), then `after_id` or `before_id`. */
function anthropicPage(context: RequestContext, entries: CatalogueEntry[]) {
  const limit = pageSize(context.params.limit, ANTHROPIC_DEFAULT_LIMIT, "limit");
  const { after_id: after, before_id: before } = context.params;
  let start = 0;
  let end = Math.min(limit, entries.length);
  let hasMore = end < entries.length;
  if (before !== undefined) {
    end = Math.max(0, indexOf(entries, before, "before_id"));
    start = Math.max(0, end - limit);
    hasMore = start > 0;
  } else if (after !== undefined) {
    start = indexOf(entries, after, "after_id") + 1;
    end = Math.min(entries.length, start + limit);
    hasMore = end < entries.length;
  }
  const data = entries.slice(start, end).map(anthropicModel);
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

function geminiModel(entry: CatalogueEntry) {
  const served = entry.served;
  const embedding = /embed/.test(entry.model);
  const model: Record<string, unknown> = {
    name: `models/${entry.id}`,
    baseModelId: entry.model,
    version: "001",
    displayName: served?.displayName ?? entry.id,
    supportedGenerationMethods:
      served?.methods ?? (embedding ? ["embedContent", "countTokens"] : ["generateContent", "countTokens"]),
  };
  if (served?.inputTokenLimit != null) model.inputTokenLimit = served.inputTokenLimit;
  if (served?.outputTokenLimit != null) model.outputTokenLimit = served.outputTokenLimit;
  return model;
}

/** Gemini's paging: `pageSize` (default 50, at most 1000) and an opaque `pageToken`. */
function geminiPage(context: RequestContext, entries: CatalogueEntry[]) {
  const size = pageSize(context.params.pageSize, GEMINI_DEFAULT_PAGE_SIZE, "pageSize");
  const token = context.params.pageToken;
  let start = 0;
  if (token !== undefined && token !== "") {
    start = Number(Buffer.from(token, "base64url").toString("utf8"));
    if (!Number.isInteger(start) || start < 0 || start > entries.length) {
      throw new GatewayError("BAD_REQUEST", "The pageToken is not one this list handed out.", {
        param: "pageToken",
      });
    }
  }
  const end = Math.min(entries.length, start + size);
  const page = { models: entries.slice(start, end).map(geminiModel) };
  return end < entries.length
    ? { ...page, nextPageToken: Buffer.from(String(end)).toString("base64url") }
    : page;
}

function pageSize(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1) {
    throw new GatewayError("BAD_REQUEST", `'${name}' must be a positive integer.`, { param: name });
  }
  return Math.min(size, MAX_PAGE);
}

function indexOf(entries: CatalogueEntry[], id: string, name: string): number {
  const index = entries.findIndex((entry) => entry.id === id);
  if (index === -1) {
    throw new GatewayError("BAD_REQUEST", `'${name}' names no model of this list: '${id}'.`, {
      param: name,
    });
  }
  return index;
}
