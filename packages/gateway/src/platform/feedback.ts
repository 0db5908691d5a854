/**
 * `POST /v1/feedback {score 0–10, useful?, request_id?, session_id?, comment?}`: one feedback per
 * request or session of the caller's org (a repeat answers 200 `duplicate: true` and changes
 * nothing; the first 201). Neither id: the key's most recent session. The feedback is credited to
 * the target that answered the request (a session's: every turn's target) in the statistics
 * `feedback_driven` and `smart_cost` route by — here at once, on every other instance sharing
 * the events store within a poll (routing/feedback-sync.ts).
 *
 * A request answered by this instance whose record is not written yet is waited for; one
 * answered by another instance is looked for until its record must have been flushed. Another
 * org's request or session is the same 404 as a missing one.
 */
import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { parseJsonBody } from "../pipeline/json-body.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { parseBody } from "../protocol/floopy-api/body-schema.js";
import { creditFeedback } from "../routing/feedback-sync.js";
import type { RequestLogRecord } from "../store/types.js";
import { ownApiRoute } from "./own-api-calls.js";
import { MAX_SESSION_TURNS } from "./sessions.js";

export const feedbackBodySchema = z.strictObject({
  score: z.number().min(0).max(10),
  useful: z.boolean().optional(),
  request_id: z.string().min(1).max(200).optional(),
  session_id: z.string().min(1).max(1_000).optional(),
  comment: z.string().max(10_000).optional(),
});

/** The longest a request id no store knows yet is looked for before it is a 404. */
const MAX_WAIT_MS = 3_000;

const SHAPE = "{score 0–10, useful?, request_id?, session_id?, comment?}";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const feedbackRoutes: readonly IngressRoute[] = [
  ownApiRoute("POST", "/v1/feedback", { operation: "feedback", route: "feedback" }, acceptFeedback),
];

interface Subject {
  requestId: string | null;
  sessionId: string | null;
  targets: string[];
}

async function acceptFeedback(context: RequestContext): Promise<StageResponse> {
  const key = context.key;
  if (!key) throw new GatewayError("INVALID_API_KEY", "A Floopy key is required.");
  const { services } = context;
  const body = parseBody(
    feedbackBodySchema,
    parseJsonBody(context.rawBody, services.settings.maxJsonDepth, "invalid_body"),
    SHAPE,
  );
  const subject =
    body.request_id !== undefined
      ? await requestSubject(context, key.orgId, body.request_id, body.session_id)
      : await sessionSubject(
          context,
          key.orgId,
          body.session_id ?? (await latestSession(context, key.orgId, key.id)),
        );
  const stored = await services.stores.sessions.insertFeedback({
    orgId: key.orgId,
    requestId: subject.requestId,
    sessionId: subject.sessionId,
    keyId: key.id,
    score: body.score,
    useful: body.useful ?? null,
    comment: body.comment ?? null,
    targets: subject.targets,
    createdAt: new Date(),
  });
  if (stored !== undefined) creditFeedback(services.targetStats, stored);
  return {
    status: stored === undefined ? 200 : 201,
    body: {
      object: "feedback",
      duplicate: stored === undefined,
      request_id: subject.requestId,
      session_id: subject.sessionId,
    },
  };
}

async function requestSubject(
  context: RequestContext,
  orgId: string,
  requestId: string,
  sessionId: string | undefined,
): Promise<Subject> {
  if (!UUID.test(requestId)) {
    throw new GatewayError(
      "invalid_request_id",
      "request_id must be a Floopy-Request-Id the gateway answered.",
      {
        param: "request_id",
      },
    );
  }
  const record = await findRecord(context, requestId);
  if (record === undefined || record.orgId !== orgId) {
    throw new GatewayError("not_found", `No request '${requestId}'.`);
  }
  if (sessionId !== undefined && record.sessionId !== sessionId) {
    throw new GatewayError(
      "invalid_request",
      `Request '${requestId}' is not a turn of session '${sessionId}'.`,
      {
        param: "session_id",
      },
    );
  }
  const target =
    record.provider !== null && record.model !== null ? `${record.provider}/${record.model}` : null;
  return { requestId, sessionId: record.sessionId, targets: target === null ? [] : [target] };
}

async function sessionSubject(context: RequestContext, orgId: string, sessionId: string): Promise<Subject> {
  const { services } = context;
  await services.inFlight.recorded(
    (other) => other.key?.orgId === orgId && other.metadata.sessionId === sessionId,
  );
  await services.records.flush().catch(() => undefined);
  const turns = await services.stores.sessions.listSessionTurns(orgId, sessionId, MAX_SESSION_TURNS);
  if (turns.length === 0) throw new GatewayError("not_found", `No session '${sessionId}'.`);
  const targets = turns
    .filter((turn) => turn.provider !== null && turn.model !== null)
    .map((turn) => `${turn.provider}/${turn.model}`);
  return { requestId: null, sessionId, targets: [...new Set(targets)] };
}

async function latestSession(context: RequestContext, orgId: string, keyId: string): Promise<string> {
  const { services } = context;
  await services.inFlight.recorded((other) => other.key?.id === keyId && other.metadata.sessionId !== null);
  await services.records.flush().catch(() => undefined);
  const sessionId = await services.stores.sessions.latestSessionOfKey(orgId, keyId);
  if (sessionId === undefined) {
    throw new GatewayError(
      "not_found",
      "This key has no session to give feedback on: send request_id or session_id.",
    );
  }
  return sessionId;
}

/**
 * The request's record: this instance's once its after-response stages have run; another
 * instance's once it flushed, which it does at least every flush interval (looked for up to
 * MAX_WAIT_MS: an id nobody answered costs its caller that long).
 */
async function findRecord(context: RequestContext, requestId: string): Promise<RequestLogRecord | undefined> {
  const { services } = context;
  await services.inFlight.recorded((other) => other.id === requestId);
  await services.records.flush().catch(() => undefined);
  const events = services.stores.events;
  const giveUpAt = Date.now() + Math.min(services.settings.recordFlushIntervalMs * 2 + 500, MAX_WAIT_MS);
  for (;;) {
    const record = await events.getRequestLog(requestId);
    if (record !== undefined || Date.now() >= giveUpAt || context.abort.signal.aborted) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
