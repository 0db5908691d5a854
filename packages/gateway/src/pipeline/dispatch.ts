/**
 * Stage: dispatch. Tries the targets in order until one answers: connection errors, timeouts,
 * 5xx, 429 and malformed answers move on to the next target; a caller-caused 4xx does not. A
 * 401/403 is the provider refusing the gateway's own key: PROVIDER_AUTH_FAILED, never retried on
 * that target but failed over (the caller's key was fine, another target may serve). A
 * stream counts as answered only once its first chunk arrived, so a stream that dies before
 * anything reached the caller still fails over. Targets whose circuit is open are tried last,
 * anyway, in routing/router.ts's `lastResortOrder`. Exhaustion is a 502 listing the attempts (or
 * the single upstream's own error, or a 504 when only timeouts happened).
 */
import { performance } from "node:perf_hooks";
import { errorCodes, upstreamErrorCode } from "../errors/error-codes.js";
import { GatewayError } from "../errors/gateway-error.js";
import { type UpstreamNext, warnUpstreamFailure } from "../observability/upstream-warning.js";
import { upstreamCodecs } from "../protocol/protocols.js";
import type { UpstreamProtocol } from "../providers/declaration.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import { redactSecrets } from "../records/redact.js";
import { lastResortOrder, type RoutingRule } from "../routing/router.js";
import type { AttemptRecord } from "../store/types.js";
import {
  classifyStatus,
  classifyUpstreamError,
  isFailoverable,
  isTimeout,
  type UpstreamErrorClass,
} from "../upstream/error-class.js";
import { readBody } from "../upstream/read-body.js";
import { parseRetryAfter } from "../upstream/retry-after.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { clientGoneError } from "./abort-reasons.js";
import { inlineRemoteImages, mayNeedInlineImages } from "./inline-images.js";
import type { RequestContext, UpstreamResult } from "./request-context.js";
import { HOP_HEADER, hopValue } from "./request-loop.js";
import { targetKey } from "./route.js";
import { prepareUpstreamRequest } from "./upstream-request.js";

interface Failure {
  errorClass: UpstreamErrorClass;
  error: GatewayError;
  /** The provider's Retry-After, clamped (null when it sent none that could be read). */
  retryAfterMs: number | null;
  /** The provider refused the gateway's credentials (401/403). */
  providerAuth: boolean;
}

export async function dispatch(context: RequestContext): Promise<undefined> {
  const { rule, decision } = context;
  const { breakers } = context.services;
  // The rule's total joins the request's one deadline, which also cuts answers already started.
  if (rule?.timeoutMs.total) context.deadline.tighten(rule.timeoutMs.total);
  const run: TargetRun = { deadlineAt: context.deadline.at, lastFailure: undefined, tried: 0 };
  // Open circuits (the decision's last resorts, or opened since route) and half-open ones whose
  // probe another request holds wait: they are tried only once every other target has failed.
  const deferred: ResolvedModel[] = [];
  for (const target of context.targets) {
    const breaker = breakers.get(targetKey(target));
    const state = breaker.current();
    if (state === "open" || (state === "half_open" && !breaker.tryAcquire())) {
      deferred.push(target);
      continue;
    }
    if (await tryTarget(context, target, run)) return undefined;
  }
  const lastResort = lastResortOrder(
    deferred.map((target) => {
      const breaker = breakers.get(targetKey(target));
      return { target, circuit: { state: breaker.current(), openedSince: breaker.openedSince() } };
    }),
  );
  for (const target of lastResort) {
    for (const candidate of decision?.candidates ?? []) {
      if (candidate.target !== target) continue;
      // Also one whose circuit opened (or whose probe was taken) after the decision was made.
      candidate.skipped ??= "circuit_open";
      candidate.triedAnyway = true;
    }
    // A half-open one takes its probe slot, so concurrent requests do not all probe it too.
    breakers.get(targetKey(target)).tryAcquire();
    if (await tryTarget(context, target, run)) return undefined;
  }
  throw exhausted(context, run.lastFailure, run.tried);
}

interface TargetRun {
  deadlineAt: number;
  lastFailure: Failure | undefined;
  /** Targets tried so far; the next one's index (above 0: a fallback answered). */
  tried: number;
}

/** Tries one target, again as its rule's retry policy says; true once it answered. */
async function tryTarget(context: RequestContext, target: ResolvedModel, run: TargetRun): Promise<boolean> {
  const { rule } = context;
  const index = run.tried;
  // A rule's retry policy applies to its own targets: the same target is tried again before moving on.
  const fromRule = context.decision?.candidates.some(
    (candidate) => candidate.target === target && candidate.source === "rule",
  );
  const retry = fromRule ? rule?.retry : undefined;
  for (let attempt = 0; ; attempt++) {
    if (performance.now() >= run.deadlineAt) throw exhausted(context, run.lastFailure, run.tried);
    if (attempt === 0) run.tried++;
    if (attempt === 0 && index > 0) warnFailure(context, { action: "fallback", to: targetKey(target) });
    const outcome = await attemptTarget(
      context,
      target,
      index,
      rule?.timeoutMs.attempt ?? null,
      run.deadlineAt,
    );
    if (outcome === "answered") return true;
    run.lastFailure = outcome.failure;
    const delay = retry ? retryDelay(retry, attempt, outcome) : null;
    if (delay === null || performance.now() + delay >= run.deadlineAt) return false;
    warnFailure(context, { action: "retry", inMs: delay });
    await sleep(delay, context.abort.signal);
    if (context.abort.signal.aborted) throw abortError(context);
  }
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
  prepared.headers[HOP_HEADER] = hopValue(context.services, context.headers, target.provider);
  const firstByteLimit = Math.min(
    attemptTimeoutMs ?? context.services.settings.upstreamFirstByteTimeoutMs,
    Math.max(1, deadlineAt - started),
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
      recordAttempt(context, target, response.statusCode, failure.errorClass, started, failure.providerAuth);
      if (!isFailoverable(failure.errorClass) && !failure.providerAuth) {
        warnFailure(context, { action: "give_up" });
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
      const bytes = await readAnswer(response, context.services.settings.maxUpstreamBodyBytes);
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
    if (context.abort.signal.aborted) {
      const reason = abortError(context);
      const errorClass = reason.code === "GATEWAY_TIMEOUT" ? "deadline" : "aborted";
      recordAttempt(context, target, response?.statusCode ?? null, errorClass, started);
      // A caller that left is not an upstream failure; a deadline that ran out is.
      if (errorClass === "deadline") warnFailure(context, { action: "give_up" });
      throw reason;
    }
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
  // The same key is refused again: only another target can help.
  if (failed.failure?.providerAuth) return null;
  if (!retry.on.some((kind) => matchesRetryKind(kind, failed))) return null;
  const backoff = retry.backoffMs * 2 ** attempt;
  const retryAfterMs = failed.failure?.retryAfterMs ?? null;
  return retryAfterMs === null ? backoff : Math.max(backoff, retryAfterMs);
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
  providerAuth = false,
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
  } else if (isFailoverable(errorClass) || providerAuth) {
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
  const { settings } = context.services;
  const text = await readErrorBody(response.body, settings.maxUpstreamErrorBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (refusesCredentials(protocol, status, parsed)) {
    return providerAuthFailure(context, target, protocol, status, parsed);
  }
  const details = upstreamCodecs[protocol].parseError(
    parsed,
    `The provider '${target.provider.id}' answered with HTTP ${status}.`,
  );
  // Parsed and clamped once here; nothing else of the provider's headers reaches the caller.
  const retryAfterMs = parseRetryAfter(response.headers, {
    now: Date.now(),
    maxMs: settings.maxRetryAfterSeconds * 1000,
  });
  const secrets = secretsOf(context);
  const scrub = (value: string | null) => (value === null ? null : redactSecrets(value, secrets));
  const code = upstreamErrorCode(status);
  const param = scrub(details.param);
  const error = new GatewayError(code, redactSecrets(details.message, secrets), {
    status,
    type: scrub(details.type) ?? errorCodes[code].type,
    wireCode: scrub(details.code),
    ...(param === null ? {} : { param }),
    ...(retryAfterMs === null ? {} : { retryAfterSeconds: retryAfterMs / 1000 }),
  });
  return { errorClass, error, retryAfterMs, providerAuth: false };
}

/**
 * The provider refused the key the gateway sent. Passing its 401 on would make the caller's SDK
 * raise AuthenticationError, as if the caller's Floopy key were wrong; the caller gets a 502 that
 * says whose credentials failed, the operator a log line naming the provider and the setting (never
 * the key, nor the provider's message, which may quote part of it).
 */
function providerAuthFailure(
  context: RequestContext,
  target: ResolvedModel,
  protocol: UpstreamProtocol,
  status: number,
  parsed: unknown,
): Failure {
  const { provider } = target;
  const details = upstreamCodecs[protocol].parseError(parsed, "");
  const secrets = secretsOf(context);
  const setting = provider.settings.apiKey;
  context.services.logger.warn(
    {
      requestId: context.id,
      provider: provider.id,
      model: target.model,
      status,
      upstreamType: details.type === null ? null : redactSecrets(details.type, secrets),
      upstreamCode: details.code === null ? null : redactSecrets(details.code, secrets),
      setting,
    },
    `provider '${provider.id}' rejected the gateway's credentials (HTTP ${status}); check ${setting}`,
  );
  const error = new GatewayError(
    "PROVIDER_AUTH_FAILED",
    `The provider '${provider.id}' rejected the gateway's credentials (HTTP ${status}). ` +
      `Your API key was accepted: the gateway's key for '${provider.id}' (${setting}) must be fixed by its operator.`,
  );
  return { errorClass: classifyStatus(status) ?? "http_4xx", error, retryAfterMs: null, providerAuth: true };
}

/**
 * Whether an upstream error is the provider refusing the gateway's key: a 401 or 403, or Google's
 * 400 for a key it does not know (`API_KEY_INVALID`, "API key not valid").
 */
function refusesCredentials(protocol: UpstreamProtocol, status: number, body: unknown): boolean {
  if (status === 401 || status === 403) return true;
  if (status !== 400 || protocol !== "gemini") return false;
  const error = (Array.isArray(body) ? body[0] : body) as { error?: unknown } | undefined;
  const detail = error?.error as { message?: unknown; details?: unknown } | undefined;
  if (typeof detail?.message === "string" && detail.message.startsWith("API key not valid")) return true;
  return (
    Array.isArray(detail?.details) &&
    detail.details.some((entry) => (entry as { reason?: unknown } | null)?.reason === "API_KEY_INVALID")
  );
}

/** The warn line for the attempt just recorded, when it failed. */
function warnFailure(context: RequestContext, next: UpstreamNext): void {
  const attempt = context.attempts.at(-1);
  if (attempt?.errorClass == null) return;
  warnUpstreamFailure(context.services.logger, context.id, attempt, context.attempts.length, next);
}

function exhausted(context: RequestContext, last: Failure | undefined, tried: number): GatewayError {
  warnFailure(context, { action: "give_up" });
  // One target that answered with an HTTP error: the caller gets that upstream's own error.
  if (last && tried === 1 && last.errorClass.startsWith("http_")) return last.error;
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

/**
 * A JSON answer, whole, or a MalformedResponse once it passes `limit` bytes (declared or sent):
 * an upstream cannot make the gateway buffer without bound. The caller's abort signal (deadline,
 * disconnect) ends the read too, however slowly the bytes come.
 */
async function readAnswer(response: UpstreamResponse, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    malformed(`the upstream answer is larger than the ${limit}-byte limit (max_upstream_body_bytes)`);
  const declared = Number(response.headers["content-length"]);
  if (declared > limit) throw tooLarge();
  const read = await readBody(response.body, limit);
  if (read.overflowed) throw tooLarge();
  return read.bytes;
}

/** An error body: what arrived, up to `limit` bytes; a broken one still tells us the status. */
async function readErrorBody(body: UpstreamResponse["body"], limit: number): Promise<string> {
  return (await readBody(body, limit, { keepPartial: true })).bytes.toString("utf8");
}
