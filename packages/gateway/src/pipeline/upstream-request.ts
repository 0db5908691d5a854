/**
 * Builds the upstream HTTP request for one target. Same-protocol requests take the pass-through
 * path: the caller's bytes are forwarded untouched unless the model name (or the stream usage
 * option) must change. Only what the provider needs is sent: never the caller's credentials,
 * hop-by-hop or `floopy-*` headers.
 */
import { isObject } from "../protocol/shared/validation.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import type { RequestContext } from "./request-context.js";

export interface PreparedUpstreamRequest {
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer;
  stream: boolean;
  injectedStreamUsage: boolean;
}

const USER_AGENT = "floopy-gateway/0.1";
const endpointCache = new WeakMap<ProviderInstance, Map<string, URL>>();

function endpoint(provider: ProviderInstance, path: string): URL {
  let byPath = endpointCache.get(provider);
  if (!byPath) {
    byPath = new Map();
    endpointCache.set(provider, byPath);
  }
  let url = byPath.get(path);
  if (!url) {
    url = new URL(`${provider.baseUrl}${path}`);
    byPath.set(path, url);
  }
  return url;
}

export function prepareUpstreamRequest(
  context: RequestContext,
  target: ResolvedModel,
): PreparedUpstreamRequest {
  const body = context.body ?? {};
  const stream = context.operation === "stream_generate";
  const callerWantsUsage =
    stream && isObject(body.stream_options) && body.stream_options.include_usage === true;
  const injectedStreamUsage =
    stream && !callerWantsUsage && target.provider.declaration.quirks.streamUsage === "stream-options";
  let payload: string | Buffer;
  if (body.model === target.model && !injectedStreamUsage && context.rawBody) {
    payload = context.rawBody;
  } else {
    const rewritten: Record<string, unknown> = { ...body, model: target.model };
    if (injectedStreamUsage) {
      rewritten.stream_options = {
        ...(isObject(body.stream_options) ? body.stream_options : {}),
        include_usage: true,
      };
    }
    payload = JSON.stringify(rewritten);
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "user-agent": USER_AGENT,
  };
  if (target.provider.apiKey !== null) headers.authorization = `Bearer ${target.provider.apiKey}`;
  const path = context.protocol === "openai-embeddings" ? "/embeddings" : "/chat/completions";
  return { url: endpoint(target.provider, path), headers, body: payload, stream, injectedStreamUsage };
}
