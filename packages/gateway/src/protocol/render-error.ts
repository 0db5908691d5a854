/**
 * Which error shape each ingress protocol speaks. Pure: GatewayError in, JSON body out. An
 * Anthropic caller gets Anthropic-shaped errors and a Gemini caller Gemini-shaped ones, whichever
 * provider (if any) was involved.
 */
import type { GatewayError } from "../errors/gateway-error.js";
import type { IngressProtocol } from "./ingress-protocol.js";
import { renderChatError } from "./openai-chat/errors.js";
import { ingressCodecs } from "./protocols.js";

export function renderErrorBody(protocol: IngressProtocol, error: GatewayError): unknown {
  switch (protocol) {
    case "openai-chat":
    case "openai-responses":
    case "anthropic-messages":
    case "gemini":
      return ingressCodecs[protocol].renderError(error);
    case "gemini-embeddings":
      return ingressCodecs.gemini.renderError(error);
    case "openai-embeddings":
    case "openai-models":
      return renderChatError(error);
    case "floopy-api":
      return {
        error: {
          code: error.wireCode ?? error.code,
          message: error.message,
          ...(error.feature === null ? {} : { feature: error.feature }),
        },
      };
  }
}
