/**
 * The protocol matrix as a table: which codec reads and answers each caller protocol, which codec
 * talks to each upstream protocol, and which pairs need no translation at all (pass-through).
 */
import type { ProviderDeclaration, UpstreamProtocol } from "../providers/declaration.js";
import { anthropicIngressCodec, anthropicUpstreamCodec } from "./anthropic-messages/codec.js";
import type {
  EmbeddingsIngressCodec,
  EmbeddingsUpstreamCodec,
  IngressCodec,
  UpstreamCodec,
} from "./codec.js";
import {
  geminiEmbeddingsIngressCodec,
  geminiEmbeddingsUpstreamCodec,
  geminiIngressCodec,
  geminiUpstreamCodec,
} from "./gemini/codec.js";
import type { IngressProtocol } from "./ingress-protocol.js";
import { chatIngressCodec, chatUpstreamCodec } from "./openai-chat/codec.js";
import { openaiEmbeddingsIngressCodec, openaiEmbeddingsUpstreamCodec } from "./openai-embeddings/codec.js";
import { responsesIngressCodec } from "./openai-responses/codec.js";
import { responsesUpstreamCodec } from "./openai-responses/upstream.js";

export type GenerationProtocol = "openai-chat" | "openai-responses" | "anthropic-messages" | "gemini";
export type EmbeddingsProtocol = "openai-embeddings" | "gemini-embeddings";

export const ingressCodecs: Record<GenerationProtocol, IngressCodec> = {
  "openai-chat": chatIngressCodec,
  "openai-responses": responsesIngressCodec,
  "anthropic-messages": anthropicIngressCodec,
  gemini: geminiIngressCodec,
};

export const upstreamCodecs: Record<UpstreamProtocol, UpstreamCodec> = {
  "openai-chat": chatUpstreamCodec,
  "openai-responses": responsesUpstreamCodec,
  "anthropic-messages": anthropicUpstreamCodec,
  gemini: geminiUpstreamCodec,
};

export const embeddingsIngressCodecs: Record<EmbeddingsProtocol, EmbeddingsIngressCodec> = {
  "openai-embeddings": openaiEmbeddingsIngressCodec,
  "gemini-embeddings": geminiEmbeddingsIngressCodec,
};

export const embeddingsUpstreamCodecs: Partial<Record<UpstreamProtocol, EmbeddingsUpstreamCodec>> = {
  "openai-chat": openaiEmbeddingsUpstreamCodec,
  gemini: geminiEmbeddingsUpstreamCodec,
};

/**
 * The upstream protocol a caller protocol is identical to: requests between the two are forwarded
 * as they came (model rewrite only).
 */
const nativeUpstream: Record<IngressProtocol, UpstreamProtocol | null> = {
  "openai-chat": "openai-chat",
  "openai-responses": "openai-responses",
  "anthropic-messages": "anthropic-messages",
  gemini: "gemini",
  "openai-embeddings": "openai-chat",
  "gemini-embeddings": "gemini",
  "openai-models": null,
  "floopy-api": null,
};

/**
 * The protocol a request goes upstream in: the caller's own when the provider serves it (pass
 * through), else the provider's main protocol (translation).
 */
export function upstreamProtocolFor(
  ingress: IngressProtocol,
  declaration: Pick<ProviderDeclaration, "protocol" | "alsoSpeaks">,
): UpstreamProtocol {
  const native = nativeUpstream[ingress];
  if (native !== null && native !== declaration.protocol && declaration.alsoSpeaks?.includes(native)) {
    return native;
  }
  return declaration.protocol;
}

export function isPassThrough(ingress: IngressProtocol, upstream: UpstreamProtocol): boolean {
  return nativeUpstream[ingress] === upstream;
}

export function isGenerationProtocol(protocol: IngressProtocol): protocol is GenerationProtocol {
  return Object.hasOwn(ingressCodecs, protocol);
}

export function isEmbeddingsProtocol(protocol: IngressProtocol): protocol is EmbeddingsProtocol {
  return protocol === "openai-embeddings" || protocol === "gemini-embeddings";
}
