/**
 * The admin API's routes (`/admin/…`), answered after authenticate has accepted an admin key and
 * refused every other. Writes go to the control store, then this instance's snapshot reloads, so
 * the caller's next request already routes by the change.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { providersAdmin } from "./providers.js";
import { type AdminCall, routingRulesAdmin } from "./routing-rules.js";

export const adminRoutes: readonly IngressRoute[] = [
  routingRules("GET", "/admin/routing_rules", "list"),
  routingRules("POST", "/admin/routing_rules", "create"),
  routingRules("GET", "/admin/routing_rules/:id", "get"),
  routingRules("PUT", "/admin/routing_rules/:id", "replace"),
  routingRules("DELETE", "/admin/routing_rules/:id", "delete"),
  providers("GET", "/admin/providers", "list"),
  providers("POST", "/admin/providers", "create"),
  providers("GET", "/admin/providers/:id", "get"),
  providers("PUT", "/admin/providers/:id", "replace"),
  providers("DELETE", "/admin/providers/:id", "delete"),
];

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
    store: services.stores.control,
    snapshot: services.snapshot,
    providers: services.providers,
    seal: services.seal,
    cursorSecret: services.cursorSecret,
    audit: (event) => services.logger.info({ ...event, requestId: context.id }, "admin: provider"),
  });
  return { status: answer.status, body: answer.body };
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
  const { services } = context;
  const answer = await routingRulesAdmin(adminCall(context, action, false), {
    store: services.stores.control,
    snapshot: services.snapshot,
    catalogue: services.providers.catalogue,
    cursorSecret: services.cursorSecret,
    audit: (event) => services.logger.info({ ...event, requestId: context.id }, "admin: routing rule"),
  });
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
        {
          wireCode: "invalid_body",
        },
      );
    }
  }
  return { action, name: id, query, headers: context.headers, body, key: context.key };
}
