/**
 * A call the gateway makes on its own behalf while serving a request: the firewall's safety model,
 * the cache's embedding model. It goes through the gateway's own route and dispatch stages (the
 * model reference resolved in the caller's org's catalogue, retries, failover, breakers and
 * provider statistics as for any request), never through the caller's routing rule, and never
 * past the calling request: its deadline is the tighter of its own timeout and the caller's, and
 * a caller that leaves aborts it.
 */
import type { GenerateResponse } from "../canonical/types.js";
import { GatewayError } from "../errors/gateway-error.js";
import { embeddingsUpstreamCodecs, upstreamCodecs } from "../protocol/protocols.js";
import type { JsonObject } from "../protocol/shared/validation.js";
import { dispatch } from "./dispatch.js";
import type { RequestContext } from "./request-context.js";
import { route } from "./route.js";
import { createContext } from "./run-pipeline.js";

export interface InternalCall {
  /** What the call is for, in logs and metrics (`firewall`, `cache_embedder`). */
  purpose: string;
  timeoutMs: number;
}

/** An OpenAI chat completion body, sent to `body.model`; answers the canonical response. */
export async function generateInternally(
  parent: RequestContext,
  body: JsonObject,
  call: InternalCall,
): Promise<GenerateResponse> {
  return (await generateInternallyFrom(parent, body, call)).response;
}

/** The same, with the target that answered (what evaluations record and price). */
export async function generateInternallyFrom(
  parent: RequestContext,
  body: JsonObject,
  call: InternalCall,
): Promise<{ response: GenerateResponse; provider: string; model: string }> {
  const context = await run(parent, "openai-chat", "generate", body, call);
  const upstream = context.upstream;
  if (!upstream?.body) throw new GatewayError("INTERNAL", `The ${call.purpose} call had no answer.`);
  return {
    response: upstreamCodecs[upstream.protocol].decodeResponse(upstream.body.json),
    provider: upstream.target.provider.id,
    model: upstream.target.model,
  };
}

/** An OpenAI embeddings body; answers one vector per input. */
export async function embedInternally(
  parent: RequestContext,
  body: JsonObject,
  call: InternalCall,
): Promise<number[][]> {
  const context = await run(parent, "openai-embeddings", "embed", body, call);
  const upstream = context.upstream;
  const codec = upstream ? embeddingsUpstreamCodecs[upstream.protocol] : undefined;
  if (!upstream?.body || !codec)
    throw new GatewayError("INTERNAL", `The ${call.purpose} call had no answer.`);
  return codec.decodeResponse(upstream.body.json).vectors;
}

async function run(
  parent: RequestContext,
  protocol: "openai-chat" | "openai-embeddings",
  operation: "generate" | "embed",
  body: JsonObject,
  call: InternalCall,
): Promise<RequestContext> {
  const { services } = parent;
  const context = createContext(services, {
    id: `${parent.id}.${call.purpose}`,
    route: `internal:${call.purpose}`,
    protocol,
    operation,
    request: parent.response.req,
    // Never written to: only route and dispatch run, and dispatch leaves the answer in the context.
    response: parent.response,
    headers: {},
    rawBody: undefined,
  });
  context.body = body;
  // The caller's org's providers, without the caller's routing rule.
  context.key = parent.key === null ? null : { ...parent.key, routingRule: null };
  const onParentAbort = () => context.abort.abort(parent.abort.signal.reason);
  if (parent.abort.signal.aborted) onParentAbort();
  else parent.abort.signal.addEventListener("abort", onParentAbort, { once: true });
  const remaining = Math.max(1, parent.deadline.at - context.startedAt);
  context.deadline.start(Math.min(call.timeoutMs, remaining));
  const started = performance.now();
  try {
    route(context);
    await dispatch(context);
    services.metrics.internalCalls.inc({ purpose: call.purpose, outcome: "ok" });
    return context;
  } catch (error) {
    services.metrics.internalCalls.inc({ purpose: call.purpose, outcome: "error" });
    throw error;
  } finally {
    context.deadline.clear();
    parent.abort.signal.removeEventListener("abort", onParentAbort);
    services.metrics.internalCallDuration.observe(
      { purpose: call.purpose },
      (performance.now() - started) / 1000,
    );
  }
}
