/**
 * Which protocol renders the errors of each caller protocol: one table, each entry that
 * protocol's own renderer. Pure: GatewayError in, status and body out. An Anthropic caller gets
 * Anthropic-shaped errors and a Gemini caller Gemini-shaped ones, whichever provider (if any) was
 * involved, with the status mapped to the caller protocol's equivalent (`shared/status-map.ts`).
 */
import type { GatewayError } from "../errors/gateway-error.js";
import type { RenderedError } from "./codec.js";
import { floopyApiErrorResponse } from "./floopy-api/errors.js";
import type { IngressProtocol } from "./ingress-protocol.js";
import { chatErrorResponse } from "./openai-chat/errors.js";
import { ingressCodecs } from "./protocols.js";

const errorRenderers: Record<IngressProtocol, (error: GatewayError) => RenderedError> = {
  "openai-chat": ingressCodecs["openai-chat"].renderError,
  "openai-responses": ingressCodecs["openai-responses"].renderError,
  "anthropic-messages": ingressCodecs["anthropic-messages"].renderError,
  gemini: ingressCodecs.gemini.renderError,
  "gemini-embeddings": ingressCodecs.gemini.renderError,
  "openai-embeddings": chatErrorResponse,
  "openai-models": chatErrorResponse,
  "floopy-api": floopyApiErrorResponse,
};

export function renderError(protocol: IngressProtocol, error: GatewayError): RenderedError {
  return errorRenderers[protocol](error);
}
