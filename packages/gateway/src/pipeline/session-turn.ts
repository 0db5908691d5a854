/**
 * Sessions (INTERFACE.md `floopy-session-id`): a request that carries a session id and is answered
 * is one turn of it. The turn keeps the messages the provider saw (any caller protocol, written as
 * OpenAI chat messages, so a restored session is ready to send as the next call's `messages`) and
 * the answer — when the org's logging keeps content (`logging.content`, default `sessions`); with
 * `none` the turn is recorded without them. The stage arms the stream capture the answer is folded
 * from; record-request builds the turn with the rest of the record, where secrets are redacted.
 */

import { encodeChatRequest } from "../protocol/openai-chat/request.js";
import { encodeChatResponse } from "../protocol/openai-chat/response.js";
import { redactSecrets } from "../records/redact.js";
import type { ChatMessage, RequestLogRecord } from "../store/types.js";
import { canonicalRequest } from "./canonical-request.js";
import { armAnswerCapture, finalAnswer } from "./final-answer.js";
import type { RequestContext } from "./request-context.js";

/** Stage: a session's request keeps its stream, to record the answer afterwards. */
export function keepSessionTurn(context: RequestContext): undefined {
  if (context.metadata.sessionId !== null && isGeneration(context) && keepsContent(context)) {
    armAnswerCapture(context);
  }
  return undefined;
}

export function keepsContent(context: RequestContext): boolean {
  const logging = context.services.config.file.logging;
  const orgId = context.key?.orgId;
  const content = (orgId === undefined ? undefined : logging?.orgs?.[orgId]?.content) ?? logging?.content;
  return (content ?? "sessions") === "sessions";
}

/** The turn this request adds to its session, or null (no session, not answered). */
export function sessionTurn(context: RequestContext, secrets: readonly string[]): RequestLogRecord["turn"] {
  if (context.metadata.sessionId === null || !isGeneration(context)) return null;
  const answer = finalAnswer(context);
  if (answer === null) return null;
  if (!keepsContent(context)) return { messages: null };
  try {
    const request = encodeChatRequest(canonicalRequest(context)).value;
    const reply = encodeChatResponse(answer).choices[0]?.message;
    const messages = [
      ...(request.messages as unknown as ChatMessage[]),
      ...(reply ? [reply as unknown as ChatMessage] : []),
    ];
    // Redacted as text: every string anywhere in the messages, in one pass.
    return { messages: JSON.parse(redactSecrets(JSON.stringify(messages), secrets)) as ChatMessage[] };
  } catch {
    return { messages: null };
  }
}

function isGeneration(context: RequestContext): boolean {
  return context.operation === "generate" || context.operation === "stream_generate";
}
