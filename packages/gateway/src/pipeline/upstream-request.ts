/**
 * Builds the upstream HTTP request for one target. When the provider speaks the caller's protocol
 * the request takes the pass-through path: the caller's bytes are forwarded untouched unless the
 * model name (or OpenAI's stream usage option) must change. Otherwise the canonical request is
 * encoded in the provider's protocol. Where each operation lives and how the credential travels
 * are the protocol's own wire facts (`protocol/<name>/wire.ts`). Only what the provider needs is
 * sent: never the caller's credentials, hop-by-hop or `floopy-*` headers.
 */

import { GatewayError } from "../errors/gateway-error.js";
import type { UpstreamOperation } from "../protocol/codec.js";
import {
  embeddingsUpstreamCodecs,
  isPassThrough,
  upstreamCodecs,
  upstreamProtocolFor,
} from "../protocol/protocols.js";
import { jsonMemberSpan, type MemberSpan } from "../protocol/shared/json-member-span.js";
import { isObject, type JsonObject } from "../protocol/shared/validation.js";
import type { UpstreamProtocol } from "../providers/declaration.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import { canonicalEmbedRequest, canonicalRequest } from "./canonical-request.js";
import type { RequestContext } from "./request-context.js";

export interface PreparedUpstreamRequest {
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer;
  stream: boolean;
  injectedStreamUsage: boolean;
  passThrough: boolean;
  /** The protocol this attempt speaks upstream (the caller's own when passed through). */
  protocol: UpstreamProtocol;
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
  const protocol = upstreamProtocolFor(context.protocol, target.provider.declaration);
  const passThrough = isPassThrough(context.protocol, protocol);
  const stream = context.operation === "stream_generate";
  let payload: string | Buffer;
  let injectedStreamUsage = false;
  if (passThrough) {
    const forwarded = passThroughBody(context, target, protocol, stream);
    payload = forwarded.payload;
    injectedStreamUsage = forwarded.injectedStreamUsage;
  } else {
    payload = JSON.stringify(translatedBody(context, target, protocol));
  }
  const wire = upstreamCodecs[protocol].wire;
  const path = wire.path({
    operation: upstreamOperation(context),
    model: target.model,
    ...(passThrough && context.params.action !== undefined ? { callerAction: context.params.action } : {}),
  });
  if (path === null) {
    throw new GatewayError(
      "BAD_REQUEST",
      `The provider '${target.provider.id}' does not serve this operation (${context.operation}).`,
      { param: "model" },
    );
  }
  return {
    url: endpoint(target.provider, path),
    headers: {
      "content-type": "application/json",
      accept: stream ? "text/event-stream" : "application/json",
      "user-agent": USER_AGENT,
      ...wire.headers(target.provider.apiKey, passThrough ? context.headers : null),
    },
    body: payload,
    stream,
    injectedStreamUsage,
    passThrough,
    protocol,
  };
}

function upstreamOperation(context: RequestContext): UpstreamOperation {
  switch (context.operation) {
    case "stream_generate":
    case "count_tokens":
    case "embed":
      return context.operation;
    default:
      return "generate";
  }
}

function passThroughBody(
  context: RequestContext,
  target: ResolvedModel,
  protocol: UpstreamProtocol,
  stream: boolean,
): { payload: string | Buffer; injectedStreamUsage: boolean } {
  const body = context.body ?? {};
  const { modelInBody, streamUsageOptIn } = upstreamCodecs[protocol].wire;
  const callerWantsUsage =
    stream && isObject(body.stream_options) && body.stream_options.include_usage === true;
  const injectedStreamUsage =
    streamUsageOptIn &&
    stream &&
    !callerWantsUsage &&
    target.provider.declaration.quirks.streamUsage === "stream-options";
  if ((!modelInBody || body.model === target.model) && !injectedStreamUsage && context.rawBody) {
    return { payload: context.rawBody, injectedStreamUsage };
  }
  const newModel = modelInBody && body.model !== target.model ? target.model : null;
  const spliced =
    context.rawBody && !(injectedStreamUsage && "stream_options" in body)
      ? splicedBody(context.rawBody, newModel, injectedStreamUsage)
      : null;
  if (spliced) return { payload: spliced, injectedStreamUsage };
  const rewritten: JsonObject = modelInBody ? { ...body, model: target.model } : { ...body };
  if (injectedStreamUsage) {
    rewritten.stream_options = {
      ...(isObject(body.stream_options) ? body.stream_options : {}),
      include_usage: true,
    };
  }
  return { payload: JSON.stringify(rewritten), injectedStreamUsage };
}

const STREAM_USAGE_MEMBER = Buffer.from('"stream_options":{"include_usage":true},');

/**
 * The caller's bytes with the model's value replaced and/or the stream usage option added as the
 * first member, or null when the bytes cannot be spliced safely (the parsed body is then
 * re-serialised). The caller's own formatting and numbers reach the provider as they were sent.
 */
function splicedBody(raw: Buffer, model: string | null, addStreamUsage: boolean): Buffer | null {
  const span: MemberSpan =
    model === null ? { kind: "absent", open: raw.indexOf(0x7b) } : jsonMemberSpan(raw, "model");
  if (span.kind === "unsure" || span.open < 0) return null;
  const parts = [raw.subarray(0, span.open + 1)];
  if (addStreamUsage) parts.push(STREAM_USAGE_MEMBER);
  if (model === null) parts.push(raw.subarray(span.open + 1));
  else if (span.kind === "found") {
    parts.push(
      raw.subarray(span.open + 1, span.start),
      Buffer.from(JSON.stringify(model)),
      raw.subarray(span.end),
    );
  } else return null;
  return Buffer.concat(parts);
}

function translatedBody(
  context: RequestContext,
  target: ResolvedModel,
  protocol: UpstreamProtocol,
): JsonObject {
  if (context.operation === "embed") {
    const codec = embeddingsUpstreamCodecs[protocol];
    if (!codec) {
      throw new GatewayError(
        "BAD_REQUEST",
        `The provider '${target.provider.id}' does not serve embeddings.`,
        {
          param: "model",
        },
      );
    }
    return codec.encodeRequest({ ...canonicalEmbedRequest(context), model: target.model });
  }
  const { value, warnings } = upstreamCodecs[protocol].encodeRequest({
    ...canonicalRequest(context),
    model: target.model,
  });
  context.warnings.push(...warnings);
  return value;
}
