/**
 * Request loops: a provider base URL that leads back to this gateway (directly, or through other
 * Floopy gateways) would make every request call the gateway again, without end. Each upstream
 * request carries `floopy-hop`, the hops it came through plus `<instance id>:<provider id>`; an
 * inbound request whose hops name this instance is refused before its key is even checked (the
 * provider key it carries is not a Floopy key). The start-time check (`providers/self-loop.ts`)
 * catches the plain cases before serving; this is the safety net for the rest.
 */
import type { IncomingHttpHeaders } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import type { GatewayServices } from "./services.js";

export const HOP_HEADER = "floopy-hop";

/** The `floopy-hop` value for a request this gateway sends to `provider`. */
export function hopValue(
  services: GatewayServices,
  inbound: IncomingHttpHeaders,
  provider: ProviderInstance,
): string {
  const own = `${services.instanceId}:${provider.id}`;
  const earlier = inbound[HOP_HEADER];
  return typeof earlier === "string" && earlier !== "" ? `${earlier}, ${own}` : own;
}

/** Throws LOOP_DETECTED when the request already went through this gateway. */
export function refuseLoop(services: GatewayServices, headers: IncomingHttpHeaders): void {
  const value = headers[HOP_HEADER];
  if (value === undefined) return;
  const prefix = `${services.instanceId}:`;
  for (const hop of (Array.isArray(value) ? value.join(",") : value).split(",")) {
    const entry = hop.trim();
    if (!entry.startsWith(prefix)) continue;
    const providerId = entry.slice(prefix.length);
    const provider = services.providers.catalogue.provider(providerId);
    const setting = provider?.settings.baseUrl ?? `the base URL of provider '${providerId}'`;
    services.logger.warn(
      { provider: providerId, setting, baseUrl: provider?.baseUrl },
      `request loop: ${setting} points back at this gateway; refused the looped request`,
    );
    throw new GatewayError(
      "LOOP_DETECTED",
      `Request loop: the gateway sent this request to itself through provider '${providerId}'; ` +
        `${setting} points back at the gateway instead of at the provider. The gateway's operator must fix ${setting}.`,
    );
  }
}
