/**
 * The admin API's routes (`/admin/…`), answered after authenticate has accepted an admin key and
 * refused every other. Each resource is one module of this room; writes go to the control store,
 * append an entry to the audit log (who, what, hashes before and after), then this instance's
 * snapshot reloads, so the caller's next request already sees the change.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { auditEntry } from "../protocol/floopy-api/audit-entry.js";
import type { AdminAnswer, AdminDependencies, AdminRequest } from "./admin-request.js";
import { auditAdmin } from "./audit.js";
import { type ConfigAdminDependencies, exportConfig, importConfig } from "./config.js";
import { constraintsAdmin } from "./constraints.js";
import { keysAdmin } from "./keys.js";
import { orgPlanAdmin } from "./org-plan.js";
import { orgsAdmin } from "./orgs.js";
import { plansAdmin } from "./plans.js";
import { projectsAdmin } from "./projects.js";
import { providersAdmin } from "./providers.js";
import { type AdminCall, routingRulesAdmin } from "./routing-rules.js";

type Handler = (request: AdminRequest, deps: AdminDependencies) => Promise<AdminAnswer>;

export const adminRoutes: readonly IngressRoute[] = [
  routingRules("GET", "/admin/routing_rules", "list"),
  routingRules("POST", "/admin/routing_rules", "create"),
  routingRules("GET", "/admin/routing_rules/:id", "get"),
  routingRules("PUT", "/admin/routing_rules/:id", "replace"),
  routingRules("DELETE", "/admin/routing_rules/:id", "delete"),
  admin("GET", "/admin/orgs", "admin_orgs", orgsAdmin.list),
  admin("POST", "/admin/orgs", "admin_orgs", orgsAdmin.create),
  admin("GET", "/admin/orgs/:id", "admin_orgs", orgsAdmin.get),
  admin("PATCH", "/admin/orgs/:id", "admin_orgs", orgsAdmin.update),
  admin("GET", "/admin/projects", "admin_projects", projectsAdmin.list),
  admin("POST", "/admin/projects", "admin_projects", projectsAdmin.create),
  admin("GET", "/admin/projects/:id", "admin_projects", projectsAdmin.get),
  admin("GET", "/admin/keys", "admin_keys", keysAdmin.list),
  admin("POST", "/admin/keys", "admin_keys", keysAdmin.create),
  admin("GET", "/admin/keys/:id", "admin_keys", keysAdmin.get),
  admin("PATCH", "/admin/keys/:id", "admin_keys", keysAdmin.update),
  admin("DELETE", "/admin/keys/:id", "admin_keys", keysAdmin.revoke),
  // `:id` is the org's id (the server passes a route's `:id` on).
  admin("GET", "/admin/constraints/:id", "admin_constraints", constraintsAdmin.get),
  admin("PUT", "/admin/constraints/:id", "admin_constraints", constraintsAdmin.replace),
  admin("GET", "/admin/audit", "admin_audit", auditAdmin.list),
  configRoute("GET", "/admin/config"),
  configRoute("POST", "/admin/config"),
  providers("GET", "/admin/providers", "list"),
  providers("POST", "/admin/providers", "create"),
  providers("GET", "/admin/providers/:id", "get"),
  providers("PUT", "/admin/providers/:id", "replace"),
  providers("DELETE", "/admin/providers/:id", "delete"),
  admin("GET", "/admin/plans", "admin_plans", plansAdmin.list),
  admin("POST", "/admin/plans", "admin_plans", plansAdmin.create),
  admin("GET", "/admin/plans/:id", "admin_plans", plansAdmin.get),
  admin("PUT", "/admin/plans/:id", "admin_plans", plansAdmin.replace),
  admin("DELETE", "/admin/plans/:id", "admin_plans", plansAdmin.delete),
  admin("GET", "/admin/orgs/:id/plan", "admin_org_plan", orgPlanAdmin.get),
  admin("PUT", "/admin/orgs/:id/plan", "admin_org_plan", orgPlanAdmin.replace),
];

function admin(method: IngressRoute["method"], url: string, route: string, handler: Handler): IngressRoute {
  const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
  return {
    method,
    url,
    protocol: "floopy-api",
    operation: "admin",
    route,
    bodyLimit: "admin",
    stages: [
      authenticate,
      async (context): Promise<StageResponse> => {
        const { id, ...query } = context.params;
        const request: AdminRequest = {
          id,
          query,
          headers: context.headers,
          body: hasBody
            ? parseJsonBody(context.rawBody, context.services.settings.maxJsonDepth, "invalid_body")
            : undefined,
          key: context.key,
        };
        const answer = await handler(request, dependencies(context));
        return { status: answer.status, body: answer.body };
      },
    ],
  };
}

function routingRules(
  method: IngressRoute["method"],
  url: string,
  action: AdminCall["action"],
): IngressRoute {
  return {
    method,
    url,
    protocol: "floopy-api",
    operation: "admin",
    route: "admin_routing_rules",
    bodyLimit: "admin",
    stages: [authenticate, (context) => answerRoutingRules(context, action)],
  };
}

async function answerRoutingRules(
  context: RequestContext,
  action: AdminCall["action"],
): Promise<StageResponse> {
  const answer = await routingRulesAdmin(adminCall(context, action, false), dependencies(context));
  return { status: answer.status, body: answer.body };
}

function providers(method: IngressRoute["method"], url: string, action: AdminCall["action"]): IngressRoute {
  return {
    method,
    url,
    protocol: "floopy-api",
    operation: "admin",
    route: "admin_providers",
    bodyLimit: "admin",
    stages: [authenticate, (context) => answerProviders(context, action)],
  };
}

async function answerProviders(context: RequestContext, action: AdminCall["action"]): Promise<StageResponse> {
  const { services } = context;
  const answer = await providersAdmin(adminCall(context, action, true), {
    ...dependencies(context),
    providers: services.providers,
    seal: services.seal,
  });
  return { status: answer.status, body: answer.body };
}

function configRoute(method: "GET" | "POST", url: string): IngressRoute {
  return {
    method,
    url,
    protocol: "floopy-api",
    operation: "admin",
    route: "admin_config",
    bodyLimit: "admin",
    stages: [authenticate, (context) => answerConfig(context, method)],
  };
}

async function answerConfig(context: RequestContext, method: "GET" | "POST"): Promise<StageResponse> {
  const { services } = context;
  const deps: ConfigAdminDependencies = {
    ...dependencies(context),
    providers: services.providers,
    seal: services.seal,
    file: services.config.file,
    templates: services.config.templates,
    env: services.config.env,
    currentCatalogue: () => services.providers.catalogue,
  };
  const { id: _id, ...query } = context.params;
  if (method === "GET") {
    const exported = await exportConfig({ key: context.key, query, headers: context.headers }, deps);
    return {
      status: 200,
      body: Buffer.from(exported.text),
      headers: { "content-type": exported.contentType },
    };
  }
  // YAML or JSON (JSON is YAML): the config-file loader reads either.
  const text = context.rawBody?.toString("utf8") ?? "";
  const answer = await importConfig({ key: context.key, headers: context.headers }, text, deps);
  return { status: answer.status, body: answer.body };
}

/**
 * The call a handler answers. `secretBody`: the body may hold a credential, so a parse error
 * says only that it is not JSON (the parser's message quotes the text around the mistake).
 */
function adminCall(context: RequestContext, action: AdminCall["action"], secretBody: boolean): AdminCall {
  const { services, params } = context;
  const { id, ...query } = params;
  let body: unknown;
  if (action === "create" || action === "replace") {
    try {
      body = parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body");
    } catch (error) {
      if (!secretBody || !(error instanceof GatewayError)) throw error;
      throw new GatewayError(
        "BAD_REQUEST",
        "The request body is not a JSON object Floopy can read (empty, malformed or nested too deep).",
        { wireCode: "invalid_body" },
      );
    }
  }
  return { action, name: id, query, headers: context.headers, body, key: context.key };
}

function dependencies(context: RequestContext): AdminDependencies {
  const { services } = context;
  return {
    store: services.stores.control,
    snapshot: services.snapshot,
    catalogue: services.providers.catalogue,
    cursorSecret: services.cursorSecret,
    audit: async (change) => {
      const entry = auditEntry(change, context.key?.id ?? null, context.id);
      await services.stores.control.appendAudit(entry);
      services.logger.info(
        {
          action: entry.action,
          resourceId: entry.resourceId,
          keyId: entry.actorKeyId,
          requestId: context.id,
        },
        "admin: control change",
      );
    },
  };
}
