/**
 * Which error shape each ingress protocol speaks. Pure: GatewayError in, JSON body out.
 */
import type { GatewayError } from "../errors/gateway-error.js";
import type { IngressProtocol } from "./ingress-protocol.js";
import { renderChatError } from "./openai-chat/errors.js";

export function renderErrorBody(protocol: IngressProtocol, error: GatewayError): unknown {
  switch (protocol) {
    case "openai-chat":
    case "openai-embeddings":
    case "openai-models":
      return renderChatError(error);
  }
}
