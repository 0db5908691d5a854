/**
 * `GET /openapi.json`: an OpenAPI 3.1 description of Floopy's own API and the admin API, made from
 * the route declarations the server registers and, for request bodies, the very zod schemas the
 * routes validate with (z.toJSONSchema), so the description cannot drift from what is accepted.
 * Every declared route needs an entry in ROUTE_DOCS (a test fails otherwise): its summary, its
 * query parameters, and its body schema where it takes one.
 */
import { z } from "zod";
import { keyCreateSchema, keyUpdateSchema } from "../admin/keys.js";
import { orgPlanBodySchema } from "../admin/org-plan.js";
import { orgCreateSchema, orgUpdateSchema } from "../admin/orgs.js";
import { planBodySchema } from "../admin/plans.js";
import { projectCreateSchema } from "../admin/projects.js";
import { providerBodySchema } from "../admin/providers.js";
import { adminRoutes } from "../admin/routes.js";
import { configFileSchema, routingRuleSchema } from "../config/config-schema.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { datasetBodySchema, evaluationBodySchema } from "../platform/evaluations.js";
import { experimentBodySchema } from "../platform/experiments.js";
import { feedbackBodySchema } from "../platform/feedback.js";
import { promptBodySchema, promptVersionBodySchema } from "../platform/prompts.js";
import { platformRoutes } from "../platform/routes.js";
import { constraintsBodySchema } from "../protocol/floopy-api/constraints.js";

export interface RouteDoc {
  summary: string;
  body?: z.ZodType;
  query?: readonly string[];
  /** Needs `X-Floopy-Confirm: <value>`. */
  confirm?: string;
}

const page = ["limit", "cursor"] as const;
const ruleBody = routingRuleSchema.extend({ name: z.string().min(1) });
/** The explain body is a chat request (or `{request, headers}`), validated as the chat route validates it. */
const explainBody = z.looseObject({ model: z.string(), messages: z.array(z.unknown()) });

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  "GET /v1/models": { summary: "List the models this key may call" },
  "GET /v1/models/*": { summary: "One model (OpenAI's shape; ids may hold slashes)" },
  "GET /v1beta/models": {
    summary: "List the models this key may call (Gemini's shape)",
    query: ["pageSize", "pageToken"],
  },
  "GET /v1beta/models/*": { summary: "One model (Gemini's shape)" },
  "GET /v1/decisions": {
    summary: "Routing decisions, newest first",
    query: [...page, "from", "to", "model", "provider", "status", "routing_rule_id"],
  },
  "GET /v1/decisions/:id": { summary: "One request's routing decision" },
  "POST /v1/routing/explain": { summary: "Dry-run routing for a chat body", body: explainBody },
  "GET /v1/export/decisions": {
    summary: "Every decision of a range as JSON Lines, with a trailer",
    query: ["from", "to"],
  },
  "GET /v1/constraints": { summary: "The org's constraints" },
  "PUT /v1/constraints": { summary: "Replace the org's constraints", body: constraintsBodySchema },
  "GET /v1/requests": {
    summary: "The request log, newest first",
    query: [
      ...page,
      "from",
      "to",
      "model",
      "provider",
      "status",
      "key_id",
      "project_id",
      "user_id",
      "session_id",
      "property.<name>",
    ],
  },
  "GET /v1/requests/:id": { summary: "One request's record with its decision and attempts" },
  "GET /v1/usage": {
    summary: "Usage per time bucket and group",
    query: ["from", "to", "interval", "group_by"],
  },
  "GET /v1/session/:id": { summary: "A session's conversation, ready to send as messages" },
  "GET /v1/sessions/:id": { summary: "A session's conversation (alias)" },
  "POST /v1/feedback": { summary: "Feedback on a request or session", body: feedbackBodySchema },
  "POST /v1/prompts": { summary: "Create a prompt (version 1)", body: promptBodySchema },
  "GET /v1/prompts": { summary: "The prompt library, newest first", query: page },
  "GET /v1/prompts/:id": { summary: "A prompt at its latest version" },
  "POST /v1/prompts/:id/versions": {
    summary: "Add the next version of a prompt",
    body: promptVersionBodySchema,
  },
  "GET /v1/prompts/:id/versions": { summary: "A prompt's versions, oldest first", query: page },
  "GET /v1/prompts/:id/versions/:version": { summary: "One version of a prompt" },
  "POST /v1/experiments": {
    summary: "Start an A/B experiment between two routing rules",
    body: experimentBodySchema,
    confirm: "experiments",
  },
  "GET /v1/experiments": { summary: "Experiments, newest first", query: page },
  "GET /v1/experiments/:id": { summary: "One experiment" },
  "GET /v1/experiments/:id/results": { summary: "Per-variant results and the winner" },
  "POST /v1/experiments/:id/rollback": {
    summary: "Send all traffic back to variant A",
    confirm: "experiments",
  },
  "POST /v1/datasets": {
    summary: "Upload a dataset (JSON, or JSON Lines with ?name=)",
    body: datasetBodySchema,
    query: ["name"],
  },
  "GET /v1/datasets": { summary: "Datasets, newest first", query: page },
  "GET /v1/datasets/:id": { summary: "One dataset" },
  "GET /v1/datasets/:id/items": { summary: "A dataset's items, in upload order", query: page },
  "POST /v1/evaluations": { summary: "Run a model or prompt over a dataset", body: evaluationBodySchema },
  "GET /v1/evaluations": { summary: "Evaluation runs, newest first", query: page },
  "GET /v1/evaluations/:id": { summary: "A run's status and summary" },
  "GET /v1/evaluations/:id/results": { summary: "A run's results, in item order", query: page },
  "POST /v1/evaluations/:id/cancel": { summary: "Cancel a pending or running evaluation" },
  "GET /admin/prompts": { summary: "An org's prompts (admin)", query: [...page, "org"] },
  "GET /admin/prompts/:id": { summary: "One prompt at its latest version (admin)" },
  "GET /admin/experiments": { summary: "An org's experiments (admin)", query: [...page, "org"] },
  "GET /admin/experiments/:id": { summary: "One experiment (admin)" },
  "POST /admin/experiments/:id/rollback": {
    summary: "Roll an experiment back (admin)",
    confirm: "experiments",
  },
  "GET /admin/routing_rules": { summary: "Routing rules", query: page },
  "POST /admin/routing_rules": { summary: "Create a routing rule", body: ruleBody, confirm: "routing_rules" },
  "GET /admin/routing_rules/:id": { summary: "One routing rule" },
  "PUT /admin/routing_rules/:id": {
    summary: "Replace a routing rule",
    body: routingRuleSchema,
    confirm: "routing_rules",
  },
  "DELETE /admin/routing_rules/:id": { summary: "Delete a routing rule", confirm: "routing_rules" },
  "GET /admin/orgs": { summary: "Orgs", query: page },
  "POST /admin/orgs": { summary: "Create an org", body: orgCreateSchema },
  "GET /admin/orgs/:id": { summary: "One org" },
  "PATCH /admin/orgs/:id": { summary: "Rename an org", body: orgUpdateSchema },
  "GET /admin/projects": { summary: "Projects", query: [...page, "org"] },
  "POST /admin/projects": { summary: "Create a project", body: projectCreateSchema },
  "GET /admin/projects/:id": { summary: "One project" },
  "GET /admin/keys": { summary: "Keys (never the key itself)", query: page },
  "POST /admin/keys": { summary: "Create a key; the answer shows it once", body: keyCreateSchema },
  "GET /admin/keys/:id": { summary: "One key" },
  "PATCH /admin/keys/:id": { summary: "Change a key's limits, rule or expiry", body: keyUpdateSchema },
  "DELETE /admin/keys/:id": { summary: "Revoke a key" },
  "GET /admin/constraints/:id": { summary: "An org's constraints" },
  "PUT /admin/constraints/:id": { summary: "Replace an org's constraints", body: constraintsBodySchema },
  "GET /admin/audit": { summary: "The audit log, newest first", query: [...page, "resource"] },
  "GET /admin/config": { summary: "Export the live configuration (secrets as references)" },
  "POST /admin/config": { summary: "Import a configuration", body: configFileSchema, confirm: "config" },
  "GET /admin/providers": { summary: "Stored providers (credentials never shown)", query: page },
  "POST /admin/providers": { summary: "Store a provider", body: providerBodySchema, confirm: "providers" },
  "GET /admin/providers/:id": { summary: "One stored provider" },
  "PUT /admin/providers/:id": {
    summary: "Replace a stored provider",
    body: providerBodySchema,
    confirm: "providers",
  },
  "DELETE /admin/providers/:id": { summary: "Delete a stored provider", confirm: "providers" },
  "GET /admin/plans": { summary: "Plans", query: page },
  "POST /admin/plans": { summary: "Create a plan", body: planBodySchema },
  "GET /admin/plans/:id": { summary: "One plan" },
  "PUT /admin/plans/:id": { summary: "Replace a plan", body: planBodySchema },
  "DELETE /admin/plans/:id": { summary: "Delete a plan no org is on" },
  "GET /admin/orgs/:id/plan": { summary: "An org's plan and subscription expiry" },
  "PUT /admin/orgs/:id/plan": { summary: "Put an org on a plan", body: orgPlanBodySchema },
};

export const documentedRoutes: readonly IngressRoute[] = [...platformRoutes, ...adminRoutes];

export function routeKey(route: Pick<IngressRoute, "method" | "url">): string {
  return `${route.method} ${route.url}`;
}

/** Fastify's `:name` and trailing `*` as OpenAPI path templates. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, "{$1}").replace(/\/\*$/, "/{model}");
}

function pathParameters(url: string): string[] {
  return [...openApiPath(url).matchAll(/\{([A-Za-z_]+)\}/g)].map((match) => match[1] ?? "");
}

const errorResponse = {
  description: "An error: `{error: {code, message, feature?}}` (INTERFACE.md error tables)",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: {
              code: { type: "string" },
              message: { type: "string" },
              feature: { type: "string" },
            },
            required: ["code", "message"],
          },
        },
        required: ["error"],
      },
    },
  },
};

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= buildDocument();
  return cached;
}

function buildDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of documentedRoutes) {
    const doc = ROUTE_DOCS[routeKey(route)];
    const path = openApiPath(route.url);
    const parameters = [
      ...pathParameters(route.url).map((name) => ({
        name,
        in: "path",
        required: true,
        schema: { type: "string" },
      })),
      ...(doc?.query ?? []).map((name) => ({
        name,
        in: "query",
        required: false,
        schema: { type: "string" },
      })),
      ...(doc?.confirm === undefined
        ? []
        : [{ name: "X-Floopy-Confirm", in: "header", required: true, schema: { const: doc.confirm } }]),
    ];
    paths[path] ??= {};
    (paths[path] as Record<string, object>)[route.method.toLowerCase()] = {
      operationId: operationId(route),
      summary: doc?.summary ?? route.route,
      tags: [route.url.startsWith("/admin/") ? "admin" : "floopy"],
      security: [{ bearer: [] }],
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(doc?.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: z.toJSONSchema(doc.body, { io: "input", unrepresentable: "any" }),
                },
              },
            },
          }),
      responses: {
        "200": { description: "Success", content: { "application/json": { schema: { type: "object" } } } },
        "4XX": errorResponse,
        "5XX": errorResponse,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Floopy: own API and admin API",
      version: "1",
      description:
        "Floopy's own API (`/v1/…`, gateway keys) and the admin API (`/admin/…`, admin keys). The generation routes speak the OpenAI, Anthropic and Gemini protocols as those vendors document them.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}

function operationId(route: IngressRoute): string {
  const words = route.url
    .split("/")
    .filter((part) => part !== "" && part !== "v1")
    .map((part) => (part.startsWith(":") ? `by_${part.slice(1)}` : part));
  return [route.method.toLowerCase(), ...words].join("_").replace(/[^A-Za-z0-9_]/g, "_");
}
