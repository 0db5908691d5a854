/**
 * Runs one request through the hot-path stages, then — once the response is sent — the
 * after-response stages. The only place a thrown error becomes an HTTP response.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { isRetryable } from "../errors/error-codes.js";
import { GatewayError, isGatewayError } from "../errors/gateway-error.js";
import type { RouteFacts } from "../protocol/codec.js";
import { renderError } from "../protocol/render-error.js";
import type { Operation } from "../providers/declaration.js";
import { redactSecretBytes } from "../records/redact.js";
import { callerRetryAfterSeconds, parseRetryAfter } from "../upstream/retry-after.js";
import { CLIENT_CLOSED_REQUEST, clientGoneError } from "./abort-reasons.js";
import type { Caller } from "./authenticate.js";
import {
  emptyMetadata,
  type IngressProtocol,
  type RequestContext,
  type RequestMetadata,
  type Stage,
  type StageResponse,
} from "./request-context.js";
import { RequestDeadline } from "./request-deadline.js";
import { floopyHeaders } from "./response-headers.js";
import type { GatewayServices } from "./services.js";
import { afterResponseStages, hotPathStages } from "./stages.js";

export interface IngressRequest {
  id: string;
  route: string;
  protocol: IngressProtocol;
  operation: Operation;
  request: IncomingMessage;
  response: ServerResponse;
  headers: IncomingHttpHeaders;
  rawBody: Buffer | undefined;
  params?: Record<string, string>;
  routeFacts?: RouteFacts;
  /** The caller, when the server authenticated it from the headers before reading the body. */
  caller?: Caller;
}

// Shared by every context until a stage replaces them: read-metadata writes a fresh metadata
// object, and path parameters are only ever replaced whole. Frozen, so a stray write throws.
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NO_METADATA = Object.freeze({
  ...emptyMetadata(),
  properties: Object.freeze({}),
  fallbackModels: Object.freeze([]),
}) as unknown as RequestMetadata;

export function createContext(services: GatewayServices, ingress: IngressRequest): RequestContext {
  const abort = new AbortController();
  const startedAt = performance.now();
  return {
    id: ingress.id,
    receivedAt: new Date(),
    startedAt,
    route: ingress.route,
    protocol: ingress.protocol,
    operation: ingress.operation,
    headers: ingress.headers,
    rawBody: ingress.rawBody,
    params: ingress.params ?? NO_PARAMS,
    routeFacts:
      ingress.operation === "count_tokens"
        ? { ...ingress.routeFacts, countTokens: true }
        : (ingress.routeFacts ?? {}),
    services,
    abort,
    deadline: new RequestDeadline(abort, startedAt),
    response: ingress.response,
    body: undefined,
    canonical: null,
    warnings: [],
    key: ingress.caller?.key ?? null,
    presentedKey: ingress.caller?.presented ?? null,
    metadata: NO_METADATA,
    requestedModel: null,
    targets: [],
    rule: null,
    decision: null,
    attempts: [],
    upstream: null,
    firstByteAt: null,
    usage: null,
    usageSource: null,
    status: 0,
    error: null,
    costUsd: null,
    limitHeaders: null,
    reservation: null,
    cache: null,
    promptEmbedding: null,
    firewall: null,
    costSavedUsd: null,
    answerCapture: null,
    prompt: null,
    experiment: null,
  };
}

/**
 * Runs a route's stages: the generation hot path by default; Floopy's own API and the admin API
 * pass their route module's stages (authenticate, then their answer).
 */
export async function runPipeline(
  services: GatewayServices,
  ingress: IngressRequest,
  stages: readonly Stage[] = hotPathStages,
): Promise<void> {
  const context = createContext(services, ingress);
  services.inFlight.enter(context);
  const { response } = context;
  const onClose = () => {
    if (!response.writableFinished && !context.abort.signal.aborted) {
      services.metrics.clientAborts.inc({ reason: "disconnect" });
      context.abort.abort(clientGoneError());
    }
  };
  response.on("close", onClose);
  context.deadline.start(services.settings.requestDeadlineMs);
  try {
    for (const stage of stages) {
      const outcome = stage(context);
      const answer = outcome instanceof Promise ? await outcome : outcome;
      if (answer) {
        writeStageResponse(context, answer);
        break;
      }
    }
  } catch (error) {
    try {
      writeError(context, toGatewayError(error, context));
    } catch (failure) {
      services.logger.error({ err: failure, requestId: context.id }, "could not write the error");
    }
  } finally {
    context.deadline.clear();
    response.off("close", onClose);
    // Whatever went wrong, a request never stays open without an answer coming.
    if (!response.writableEnded && !response.destroyed) response.destroy();
    setImmediate(runAfterStages, context);
  }
}

function toGatewayError(error: unknown, context: RequestContext): GatewayError {
  if (isGatewayError(error)) return error;
  context.services.logger.error(
    { err: error, requestId: context.id },
    "unexpected error on the request path",
  );
  return new GatewayError("INTERNAL", "The gateway failed to process the request.", { cause: error });
}

function writeStageResponse(context: RequestContext, answer: StageResponse): void {
  context.status = answer.status;
  if (answer.body === undefined) {
    // 204 No Content and the like: headers only.
    context.firstByteAt = performance.now();
    writeAnswer(context, answer.status, { ...floopyHeaders(context), ...answer.headers }, undefined);
    return;
  }
  // A Buffer is a document in its own type (the config export's YAML): sent as it is, scrubbed of
  // every credential the gateway holds like anything else it relays.
  const raw = Buffer.isBuffer(answer.body);
  const body = raw
    ? redactSecretBytes(answer.body as Buffer, context.services.secrets)
    : Buffer.from(JSON.stringify(answer.body));
  context.firstByteAt = performance.now();
  writeAnswer(
    context,
    answer.status,
    {
      ...floopyHeaders(context),
      ...answer.headers,
      "content-type": raw
        ? (answer.headers?.["content-type"] ?? "application/octet-stream")
        : "application/json",
      "content-length": String(body.length),
    },
    body,
  );
}

/**
 * Writes a whole answer. Should writing the head throw (a header value Node refuses), the caller
 * gets its connection closed rather than a request that never ends.
 */
function writeAnswer(
  context: RequestContext,
  status: number,
  headers: Record<string, string>,
  body: Buffer | undefined,
): void {
  const { response } = context;
  try {
    response.writeHead(status, headers);
  } catch (error) {
    context.services.logger.error({ err: error, requestId: context.id }, "could not write the response head");
    context.status = 500;
    response.destroy();
    return;
  }
  response.end(body);
}

/** Renders a GatewayError in the route's protocol. A caller that is gone gets nothing written. */
export function writeError(context: RequestContext, error: GatewayError): void {
  context.error = error;
  const { response } = context;
  if (error.status === CLIENT_CLOSED_REQUEST || response.destroyed) {
    context.status = CLIENT_CLOSED_REQUEST;
    if (!response.destroyed) response.destroy();
    return;
  }
  const rendered = renderError(context.protocol, error);
  context.status = rendered.status;
  if (response.headersSent) {
    response.end();
    return;
  }
  // The message was redacted where the error was made; this catches whatever else a provider
  // managed to put in an error (its type, code or param).
  const body = redactSecretBytes(Buffer.from(JSON.stringify(rendered.body)), context.services.secrets);
  const headers: Record<string, string> = {
    ...floopyHeaders(context),
    "content-type": "application/json",
    "content-length": String(body.length),
  };
  const retryAfter = retryAfterSeconds(context, error);
  if (retryAfter !== null) headers["retry-after"] = String(retryAfter);
  // The official OpenAI and Anthropic clients follow this over their own status heuristics.
  headers["x-should-retry"] = String(isRetryable(error.code));
  writeAnswer(context, rendered.status, headers, body);
}

/**
 * The caller's Retry-After: whole seconds, clamped to `max_retry_after_seconds`, and always
 * present on a 429 (one second when nobody said how long).
 */
function retryAfterSeconds(context: RequestContext, error: GatewayError): number | null {
  const maxSeconds = context.services.settings.maxRetryAfterSeconds;
  const waitMs =
    error.retryAfterSeconds === null
      ? parseRetryAfter(error.headers, { now: Date.now(), maxMs: maxSeconds * 1000 })
      : error.retryAfterSeconds * 1000;
  if (waitMs === null && error.status !== 429) return null;
  return callerRetryAfterSeconds(waitMs, { maxSeconds, fallbackSeconds: 1 });
}

async function runAfterStages(context: RequestContext): Promise<void> {
  try {
    for (const stage of afterResponseStages) {
      try {
        await stage(context);
      } catch (error) {
        context.services.logger.error({ err: error, requestId: context.id }, "after-response stage failed");
      }
    }
  } finally {
    context.services.inFlight.leave(context);
  }
}

/** Answers a request refused before the pipeline could run (unknown route, body too large, …). */
export function rejectRequest(services: GatewayServices, ingress: IngressRequest, error: GatewayError): void {
  const context = createContext(services, ingress);
  services.inFlight.enter(context);
  writeError(context, error);
  setImmediate(runAfterStages, context);
}
