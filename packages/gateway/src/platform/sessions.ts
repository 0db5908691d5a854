/**
 * `GET /v1/session/{id}` (alias `/v1/sessions/{id}`): a session's conversation, oldest first, as
 * OpenAI chat messages ready to send as the next call's `messages`, with its turns (the request,
 * model and provider that answered each). Org-scoped: another org's session is the same 404 as a
 * missing one. This instance's records not yet written are flushed first, so a session read right
 * after a turn answered here includes it.
 */
import { GatewayError } from "../errors/gateway-error.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { sessionConversation } from "../protocol/floopy-api/session-conversation.js";
import type { ChatMessage } from "../store/types.js";
import { callerOrg, ownApiRoute } from "./own-api-calls.js";

/** The most turns one answer reads; a longer session answers its first this many (documented). */
export const MAX_SESSION_TURNS = 1_000;

const NAMES = { operation: "get_session", route: "sessions" } as const;

export const sessionRoutes: readonly IngressRoute[] = [
  ownApiRoute("GET", "/v1/session/:id", NAMES, answerSession),
  ownApiRoute("GET", "/v1/sessions/:id", NAMES, answerSession),
];

async function answerSession(context: RequestContext): Promise<StageResponse> {
  const orgId = callerOrg(context);
  const id = context.params.id ?? "";
  const { services } = context;
  await services.inFlight.recorded((other) => other.key?.orgId === orgId && other.metadata.sessionId === id);
  await services.records.flush().catch(() => undefined);
  const turns = await services.stores.sessions.listSessionTurns(orgId, id, MAX_SESSION_TURNS);
  if (turns.length === 0) throw new GatewayError("not_found", `No session '${id}'.`);
  const kept = turns
    .map((turn) => turn.messages)
    .filter((messages): messages is ChatMessage[] => messages !== null);
  return {
    status: 200,
    body: {
      object: "session",
      session_id: id,
      messages: sessionConversation(kept),
      turn_count: turns.length,
      turns: turns.map((turn) => ({
        request_id: turn.requestId,
        created_at: turn.createdAt.toISOString(),
        model: turn.model,
        provider: turn.provider,
      })),
    },
  };
}
