/**
 * Stage: answer-admin. The admin API (`/admin/…`) answers here, after authenticate has accepted
 * an admin key and refused every other. Writes go to the control store, then this instance's
 * snapshot reloads, so the caller's next request already routes by the change.
 */
import { type AdminCall, routingRulesAdmin } from "../admin/routing-rules.js";
import { GatewayError } from "../errors/gateway-error.js";
import { parseJsonBody } from "./json-body.js";
import type { RequestContext, StageResponse } from "./request-context.js";

const actions: ReadonlySet<string> = new Set<AdminCall["action"]>([
  "list",
  "get",
  "create",
  "replace",
  "delete",
]);

export async function answerAdmin(context: RequestContext): Promise<StageResponse | undefined> {
  if (context.operation !== "admin") return undefined;
  const { services, params } = context;
  const { action, id, ...query } = params;
  if (context.route !== "admin_routing_rules" || action === undefined || !actions.has(action)) {
    throw new GatewayError("not_found", `Unknown admin route '${context.route}'.`);
  }
  const call: AdminCall = {
    action: action as AdminCall["action"],
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
    catalogue: services.catalogue,
    cursorSecret: services.cursorSecret,
    audit: (event) => services.logger.info({ ...event, requestId: context.id }, "admin: routing rule"),
  });
  return { status: answer.status, body: answer.body };
}
