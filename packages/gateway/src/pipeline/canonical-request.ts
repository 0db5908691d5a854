/**
 * The request in the canonical model, built on demand: the pass-through path never needs it, a
 * translated attempt does, and a second translated attempt (a fallback) reuses the first's.
 */
import type { EmbedRequest, GenerateRequest } from "../canonical/types.js";
import { GatewayError } from "../errors/gateway-error.js";
import {
  embeddingsIngressCodecs,
  ingressCodecs,
  isEmbeddingsProtocol,
  isGenerationProtocol,
} from "../protocol/protocols.js";
import type { RequestContext } from "./request-context.js";

export function canonicalRequest(context: RequestContext): GenerateRequest {
  if (context.canonical !== null) return context.canonical;
  const { protocol, body } = context;
  if (!isGenerationProtocol(protocol) || body === undefined) {
    throw new GatewayError("INTERNAL", `The route's protocol '${protocol}' has no generation codec.`);
  }
  const { value, warnings } = ingressCodecs[protocol].decodeRequest(body, context.routeFacts);
  value.stream = context.operation === "stream_generate";
  context.canonical = value;
  context.warnings.push(...warnings);
  return value;
}

export function canonicalEmbedRequest(context: RequestContext): EmbedRequest {
  const { protocol, body } = context;
  if (!isEmbeddingsProtocol(protocol) || body === undefined) {
    throw new GatewayError("INTERNAL", `The route's protocol '${protocol}' has no embeddings codec.`);
  }
  return embeddingsIngressCodecs[protocol].decodeRequest(body, context.routeFacts);
}
