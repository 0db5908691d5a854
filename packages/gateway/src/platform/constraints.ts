/**
 * `GET /v1/constraints` and `PUT /v1/constraints`: a gateway key reads and replaces its own org's
 * constraints — `cost_limit_monthly_usd`, `token_window_seconds`, `max_tokens_per_window`,
 * `max_requests_per_minute` — answered as those four keys at the top level. A PUT replaces all
 * four (`null`, or leaving one out, clears it); an unknown key is a 400. Every change is audited
 * under the key that made it, and this instance's snapshot reloads at once so the limits apply
 * from the next request (other instances within one control poll).
 */
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import {
  constraintsState,
  constraintsWire,
  noConstraints,
  parseConstraintsBody,
} from "../protocol/floopy-api/constraints.js";
import { callerOrg, recordControlChange } from "./own-api-calls.js";

export const constraintsRoutes: readonly IngressRoute[] = [
  {
    method: "GET",
    url: "/v1/constraints",
    protocol: "floopy-api",
    operation: "constraints",
    route: "constraints",
    bodyLimit: "admin",
    stages: [authenticate, answerConstraints],
  },
  {
    method: "PUT",
    url: "/v1/constraints",
    protocol: "floopy-api",
    operation: "constraints",
    route: "constraints",
    bodyLimit: "admin",
    stages: [authenticate, replaceConstraints],
  },
];

async function answerConstraints(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context);
  const stored = await context.services.stores.control.getConstraints(orgId);
  return { status: 200, body: constraintsWire(stored ?? noConstraints) };
}

async function replaceConstraints(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context);
  const { services } = context;
  const values = parseConstraintsBody(
    parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
  );
  const control = services.stores.control;
  const before = await control.getConstraints(orgId);
  const saved = await control.putConstraints(orgId, values);
  const changed =
    before === undefined ||
    JSON.stringify(constraintsWire(before)) !== JSON.stringify(constraintsWire(saved));
  if (changed) {
    await recordControlChange(context, {
      resource: "constraints",
      verb: "replace",
      resourceId: orgId,
      before: before === undefined ? null : constraintsState(orgId, before),
      after: constraintsState(orgId, saved),
    });
  }
  return { status: 200, body: constraintsWire(saved) };
}
