/**
 * Runs one request through the hot-path stages, then — once the response is sent — the
 * after-response stages. The only place a thrown error becomes an HTTP response.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { GatewayError, isGatewayError } from "../errors/gateway-error.js";
import type { RouteFacts } from "../protocol/codec.js";
import { renderErrorBody } from "../protocol/render-error.js";
import type { Operation } from "../providers/declaration.js";
import { CLIENT_CLOSED_REQUEST, clientGoneError, deadlineError } from "./abort-reasons.js";
import {
  emptyMetadata,
  type IngressProtocol,
  type RequestContext,
  type RequestMetadata,
  type StageResponse,
} from "./request-context.js";
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
  return {
    id: ingress.id,
    receivedAt: new Date(),
    startedAt: performance.now(),
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
    abort: new AbortController(),
    response: ingress.response,
    body: undefined,
    canonical: null,
    warnings: [],
    key: null,
    presentedKey: null,
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
  };
}

export async function runPipeline(services: GatewayServices, ingress: IngressRequest): Promise<void> {
  const context = createContext(services, ingress);
  services.inFlight.enter();
  const { response } = context;
  const onClose = () => {
    if (!response.writableFinished && !context.abort.signal.aborted) {
      services.metrics.clientAborts.inc({ reason: "disconnect" });
      context.abort.abort(clientGoneError());
    }
  };
  response.on("close", onClose);
  const deadlineMs = services.settings.requestDeadlineMs;
  const deadline = setTimeout(() => {
    if (!context.abort.signal.aborted) context.abort.abort(deadlineError(deadlineMs));
  }, deadlineMs);
  try {
    for (const stage of hotPathStages) {
      const outcome = stage(context);
      const answer = outcome instanceof Promise ? await outcome : outcome;
      if (answer) {
        writeStageResponse(context, answer);
        break;
      }
    }
  } catch (error) {
    writeError(context, toGatewayError(error, context));
  } finally {
    clearTimeout(deadline);
    response.off("close", onClose);
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
    context.response.writeHead(answer.status, { ...floopyHeaders(context), ...answer.headers });
    context.firstByteAt = performance.now();
    context.response.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(answer.body));
  context.response.writeHead(answer.status, {
    ...floopyHeaders(context),
    ...answer.headers,
    "content-type": "application/json",
    "content-length": String(body.length),
  });
  context.firstByteAt = performance.now();
  context.response.end(body);
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
  context.status = error.status;
  if (response.headersSent) {
    response.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(renderErrorBody(context.protocol, error)));
  const headers: Record<string, string> = {
    ...floopyHeaders(context),
    "content-type": "application/json",
    "content-length": String(body.length),
  };
  const retryAfter = wholeSeconds(error.retryAfterSeconds ?? error.headers["retry-after"]);
  if (retryAfter !== null) headers["retry-after"] = String(retryAfter);
  response.writeHead(error.status, headers);
  response.end(body);
}

/** Retry-After in whole seconds, always (a provider may send decimals or an HTTP date). */
function wholeSeconds(value: number | string | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return Math.max(0, Math.ceil(value));
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
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
    context.services.inFlight.leave();
  }
}

/** Answers a request refused before the pipeline could run (unknown route, body too large, …). */
export function rejectRequest(services: GatewayServices, ingress: IngressRequest, error: GatewayError): void {
  const context = createContext(services, ingress);
  services.inFlight.enter();
  writeError(context, error);
  setImmediate(runAfterStages, context);
}
