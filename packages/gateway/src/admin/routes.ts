/**
 * The admin API's routes (`/admin/…`), answered after authenticate has accepted an admin key and
 * refused every other. Writes go to the control store, then this instance's snapshot reloads, so
 * the caller's next request already routes by the change.
 */
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { type AdminCall, routingRulesAdmin } from "./routing-rules.js";

export const adminRoutes: readonly IngressRoute[] = [
  routingRules("GET", "/admin/routing_rules", "list"),
  routingRules("POST", "/admin/routing_rules", "create"),
  routingRules("GET", "/admin/routing_rules/:id", "get"),
  routingRules("PUT", "/admin/routing_rules/:id", "replace"),
  routingRules("DELETE", "/admin/routing_rules/:id", "delete"),
];

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
  const { services, params } = context;
  const { id, ...query } = params;
  const call: AdminCall = {
    action,
    name: id,
    query,
    headers: context.headers,
    body:
      action === "create" || action === "replace"
        ? parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body")
        : undefined,
    key: context.key,
  };
  const answer = await routingRulesAdmin(call, {
    store: services.stores.control,
    snapshot: services.snapshot,
    catalogue: services.providers.catalogue,
    cursorSecret: services.cursorSecret,
    audit: (event) => services.logger.info({ ...event, requestId: context.id }, "admin: routing rule"),
  });
  return { status: answer.status, body: answer.body };
}
