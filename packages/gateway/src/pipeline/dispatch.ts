/**
 * Stage: dispatch. Tries the targets in order until one answers: connection errors, timeouts,
 * 5xx, 429 and malformed answers move on to the next target; a caller-caused 4xx does not. A
 * stream counts as answered only once its first chunk arrived, so a stream that dies before
 * anything reached the caller still fails over. Exhaustion is a 502 listing the attempts (or the
 * single upstream's own error, or a 504 when only timeouts happened).
 */
import { performance } from "node:perf_hooks";
import { GatewayError } from "../errors/gateway-error.js";
import { upstreamCodecs } from "../protocol/protocols.js";
import type { UpstreamProtocol } from "../providers/declaration.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import { redactSecrets } from "../records/redact.js";
import type { RoutingRule } from "../routing/router.js";
import type { AttemptRecord } from "../store/types.js";
import {
  classifyStatus,
  classifyUpstreamError,
  isFailoverable,
  isTimeout,
  type UpstreamErrorClass,
} from "../upstream/error-class.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { clientGoneError } from "./abort-reasons.js";
import { inlineRemoteImages, mayNeedInlineImages } from "./inline-images.js";
import type { RequestContext, UpstreamResult } from "./request-context.js";
import { targetKey } from "./route.js";
import { prepareUpstreamRequest } from "./upstream-request.js";

const MAX_ERROR_BODY_BYTES = 1024 * 1024;

interface Failure {
  errorClass: UpstreamErrorClass;
  error: GatewayError;
}

export async function dispatch(context: RequestContext): Promise<undefined> {
  let lastFailure: Failure | undefined;
  const { rule } = context;
  const deadlineAt = rule?.timeoutMs.total
    ? context.startedAt + rule.timeoutMs.total
    : Number.POSITIVE_INFINITY;
  for (const [index, target] of context.targets.entries()) {
    // A half-open circuit lets a limited number of probes through; others move on while any remain.
    const breaker = context.services.breakers.get(targetKey(target));
    if (breaker.current() === "half_open" && !breaker.tryAcquire() && index < context.targets.length - 1) {
      continue;
    }
    // A rule's retry policy applies to its own targets: the same target is tried again before moving on.
    const fromRule = context.decision?.candidates.some(
      (candidate) => candidate.target === target && candidate.source === "rule",
    );
    const retry = fromRule ? rule?.retry : undefined;
    for (let attempt = 0; ; attempt++) {
      if (performance.now() >= deadlineAt) throw exhausted(context, lastFailure);
      const outcome = await attemptTarget(
        context,
        target,
        index,
        rule?.timeoutMs.attempt ?? null,
        deadlineAt,
      );
      if (outcome === "answered") return undefined;
      lastFailure = outcome.failure;
      const delay = retry ? retryDelay(retry, attempt, outcome) : null;
      if (delay === null || performance.now() + delay >= deadlineAt) break;
      await sleep(delay, context.abort.signal);
      if (context.abort.signal.aborted) throw abortError(context);
    }
  }
  throw exhausted(context, lastFailure);
}

interface FailedAttempt {
  errorClass: UpstreamErrorClass;
  status: number | null;
  /** Only for HTTP errors (the caller may get the upstream's own error). */
  failure: Failure | undefined;
}

/** One try at one target: answered (context.upstream is set) or a failover-able failure. */
async function attemptTarget(
  context: RequestContext,
  target: ResolvedModel,
  index: number,
  attemptTimeoutMs: number | null,
  deadlineAt: number,
): Promise<"answered" | FailedAttempt> {
  const { upstream, metrics } = context.services;
  const started = performance.now();
  if (mayNeedInlineImages(context, target)) await inlineRemoteImages(context, target);
  const prepared = prepareUpstreamRequest(context, target);
  const firstByteLimit = Math.min(
    attemptTimeoutMs ?? Number.POSITIVE_INFINITY,
    Number.isFinite(deadlineAt) ? Math.max(1, deadlineAt - started) : Number.POSITIVE_INFINITY,
  );
  let response: UpstreamResponse | undefined;
  // The caller's own mistake (a 4xx from the upstream): never retried, never failed over.
  let callersFault: GatewayError | undefined;
  try {
    response = await upstream.send({
      url: prepared.url,
      method: "POST",
      headers: prepared.headers,
      body: prepared.body,
      signal: context.abort.signal,
      allowLinkLocal: target.provider.allowLinkLocal,
      ...(Number.isFinite(firstByteLimit) ? { firstByteTimeoutMs: Math.ceil(firstByteLimit) } : {}),
    });
    if (response.statusCode >= 400) {
      const failure = await httpFailure(context, target, prepared.protocol, response);
      recordAttempt(context, target, response.statusCode, failure.errorClass, started);
      if (!isFailoverable(failure.errorClass)) {
        callersFault = failure.error;
        throw callersFault;
      }
      return { errorClass: failure.errorClass, status: response.statusCode, failure };
    }
    const result: UpstreamResult = {
      target,
      targetIndex: index,
      response,
      injectedStreamUsage: prepared.injectedStreamUsage,
      passThrough: prepared.passThrough,
      protocol: prepared.protocol,
    };
    if (prepared.stream) {
      const iterator = (response.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) throw malformed("the upstream stream ended before sending any data");
      result.stream = { iterator, firstChunk: first.value };
    } else {
      const bytes = Buffer.from(await response.body.arrayBuffer());
      let json: unknown;
      try {
        json = JSON.parse(bytes.toString("utf8"));
      } catch {
        throw malformed("the upstream answered with a body that is not valid JSON");
      }
      result.body = { bytes, json };
    }
    recordAttempt(context, target, response.statusCode, null, started);
    context.upstream = result;
    metrics.upstreamAttempts.inc({ provider: target.provider.id, outcome: "ok" });
    if (index > 0) metrics.fallbacks.inc();
    return "answered";
  } catch (error) {
    if (error === callersFault) throw error;
    response?.body.destroy();
    if (context.abort.signal.aborted) throw abortError(context);
    const errorClass: UpstreamErrorClass =
      error instanceof MalformedResponse ? "malformed_response" : classifyUpstreamError(error);
    recordAttempt(context, target, response?.statusCode ?? null, errorClass, started);
    return { errorClass, status: response?.statusCode ?? null, failure: undefined };
  }
}

/**
 * How long to wait before trying the same target again, or null when the policy says move on:
 * attempts left and a failure of a class the policy retries. Backoff doubles per retry; a
 * provider's Retry-After, when longer, wins.
 */
function retryDelay(retry: RoutingRule["retry"], attempt: number, failed: FailedAttempt): number | null {
  if (attempt >= retry.attempts) return null;
  if (!retry.on.some((kind) => matchesRetryKind(kind, failed))) return null;
  const backoff = retry.backoffMs * 2 ** attempt;
  const retryAfter = failed.failure?.error.headers["retry-after"];
  const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
  return Number.isFinite(seconds) ? Math.max(backoff, seconds * 1000) : backoff;
}

function matchesRetryKind(kind: string, failed: FailedAttempt): boolean {
  switch (kind) {
    case "429":
      return failed.errorClass === "http_429";
    case "5xx":
      return failed.errorClass === "http_5xx";
    case "network":
      return failed.errorClass === "connection_error" || failed.errorClass === "malformed_response";
    case "timeout":
      return isTimeout(failed.errorClass);
    default:
      return failed.status !== null && String(failed.status) === kind;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

class MalformedResponse extends Error {}

function malformed(message: string): MalformedResponse {
  return new MalformedResponse(message);
}

function recordAttempt(
  context: RequestContext,
  target: ResolvedModel,
  status: number | null,
  errorClass: UpstreamErrorClass | null,
  started: number,
): void {
  const attempt: AttemptRecord = {
    provider: target.provider.id,
    model: target.model,
    status,
    errorClass,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
  };
  context.attempts.push(attempt);
  if (errorClass !== null) {
    context.services.metrics.upstreamAttempts.inc({ provider: target.provider.id, outcome: errorClass });
  }
  // Breakers and routing statistics learn from provider failures, not from the caller's mistakes
  // or the caller going away.
  const key = targetKey(target);
  const { breakers, targetStats } = context.services;
  if (errorClass === null) {
    breakers.get(key).recordSuccess();
    targetStats.recordOutcome(key, { ok: true, latencyMs: attempt.latencyMs });
  } else if (isFailoverable(errorClass)) {
    breakers.get(key).recordFailure();
    targetStats.recordOutcome(key, { ok: false, latencyMs: attempt.latencyMs });
  }
}

async function httpFailure(
  context: RequestContext,
  target: ResolvedModel,
  protocol: UpstreamProtocol,
  response: UpstreamResponse,
): Promise<Failure> {
  const status = response.statusCode;
  const errorClass = classifyStatus(status) ?? "http_4xx";
  const text = await readBounded(response.body, MAX_ERROR_BODY_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const details = upstreamCodecs[protocol].parseError(
    parsed,
    `The provider '${target.provider.id}' answered with HTTP ${status}.`,
  );
  const headers: Record<string, string> = {};
  const retryAfter = response.headers["retry-after"];
  if (typeof retryAfter === "string") headers["retry-after"] = retryAfter;
  const code =
    status === 429
      ? "RATE_LIMIT_EXCEEDED"
      : status >= 500
        ? "PROVIDER_ERROR"
        : status === 404
          ? "NOT_FOUND"
          : "BAD_REQUEST";
  const error = new GatewayError(code, redactSecrets(details.message, secretsOf(context)), {
    status,
    type: details.type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
    wireCode: details.code,
    ...(details.param === null ? {} : { param: details.param }),
    headers,
  });
  return { errorClass, error };
}

function exhausted(context: RequestContext, last: Failure | undefined): GatewayError {
  // One target that answered with an HTTP error: the caller gets that upstream's own error.
  if (last && context.targets.length === 1 && last.errorClass.startsWith("http_")) return last.error;
  const attempts = context.attempts;
  const summary = attempts
    .map((attempt) => {
      const status = attempt.status === null ? "" : ` (${attempt.status})`;
      return `${attempt.provider}/${attempt.model}: ${attempt.errorClass ?? "ok"}${status}`;
    })
    .join("; ");
  const allTimeouts =
    attempts.length > 0 &&
    attempts.every(
      (attempt) => attempt.errorClass !== null && isTimeout(attempt.errorClass as UpstreamErrorClass),
    );
  if (allTimeouts)
    return new GatewayError("GATEWAY_TIMEOUT", `Every provider timed out: ${summary}.`, { attempts });
  return new GatewayError("PROVIDER_ERROR", `All providers exhausted: ${summary}.`, { attempts });
}

function abortError(context: RequestContext): GatewayError {
  const reason: unknown = context.abort.signal.reason;
  return reason instanceof GatewayError ? reason : clientGoneError();
}

function secretsOf(context: RequestContext): string[] {
  return context.presentedKey === null
    ? [...context.services.secrets]
    : [...context.services.secrets, context.presentedKey];
}

async function readBounded(body: UpstreamResponse["body"], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // A broken error body still tells us the status; keep what arrived.
  } finally {
    if (size >= limit) body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}
