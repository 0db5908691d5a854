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
import type { ResolvedModel } from "../providers/model-catalogue.js";
import { redactSecrets } from "../records/redact.js";
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
import { inlineRemoteImages } from "./inline-images.js";
import type { RequestContext, UpstreamResult } from "./request-context.js";
import { targetKey } from "./route.js";
import { prepareUpstreamRequest } from "./upstream-request.js";

const MAX_ERROR_BODY_BYTES = 1024 * 1024;

interface Failure {
  errorClass: UpstreamErrorClass;
  error: GatewayError;
}

export async function dispatch(context: RequestContext): Promise<undefined> {
  const { upstream, metrics } = context.services;
  let lastFailure: Failure | undefined;
  for (const [index, target] of context.targets.entries()) {
    // A half-open circuit lets a limited number of probes through; others move on while any remain.
    const breaker = context.services.breakers.get(targetKey(target));
    if (breaker.current() === "half_open" && !breaker.tryAcquire() && index < context.targets.length - 1) {
      continue;
    }
    const started = performance.now();
    await inlineRemoteImages(context, target);
    const prepared = prepareUpstreamRequest(context, target);
    let response: UpstreamResponse | undefined;
    try {
      response = await upstream.send({
        url: prepared.url,
        method: "POST",
        headers: prepared.headers,
        body: prepared.body,
        signal: context.abort.signal,
        allowLinkLocal: target.provider.allowLinkLocal,
      });
      if (response.statusCode >= 400) {
        const failure = await httpFailure(context, target, response);
        recordAttempt(context, target, response.statusCode, failure.errorClass, started);
        lastFailure = failure;
        if (!isFailoverable(failure.errorClass)) throw failure.error;
        continue;
      }
      const result: UpstreamResult = {
        target,
        targetIndex: index,
        response,
        injectedStreamUsage: prepared.injectedStreamUsage,
        passThrough: prepared.passThrough,
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
      return undefined;
    } catch (error) {
      if (error instanceof GatewayError && lastFailure?.error === error) throw error;
      response?.body.destroy();
      if (context.abort.signal.aborted) throw abortError(context);
      const errorClass: UpstreamErrorClass =
        error instanceof MalformedResponse ? "malformed_response" : classifyUpstreamError(error);
      recordAttempt(context, target, response?.statusCode ?? null, errorClass, started);
      lastFailure = undefined;
    }
  }
  throw exhausted(context, lastFailure);
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
  const details = upstreamCodecs[target.provider.declaration.protocol].parseError(
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
