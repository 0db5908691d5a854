/**
 * Which protocol's shape a request answers in when no route of ours matched it (an unknown URL,
 * a URL that cannot be decoded): its family, by path prefix. `/v1/messages…` is Anthropic's,
 * `/v1beta/…` Gemini's, `/admin/…` Floopy's own API's, everything else OpenAI's.
 */
import type { IngressProtocol } from "../protocol/ingress-protocol.js";

const families: ReadonlyArray<[prefix: string, protocol: IngressProtocol]> = [
  ["/admin", "floopy-api"],
  ["/v1beta", "gemini"],
  ["/v1/messages", "anthropic-messages"],
];

export function routeFamily(url: string): IngressProtocol {
  const path = url.split("?", 1)[0] ?? "";
  for (const [prefix, protocol] of families) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return protocol;
  }
  return "openai-chat";
}
