/**
 * Finds a provider whose base URL leads back to the gateway itself (e.g. OPENAI_BASE_URL set to
 * the gateway's own address): every request to it would call the gateway again, without end.
 * Checked once the port is bound (so `FLOOPY_PORT=0` compares the real port), before serving. Only
 * what the URL says is compared, without DNS: a name that resolves here under another spelling is
 * caught at request time instead, by the hop header (`pipeline/request-loop.ts`).
 */
import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import type { ProviderInstance } from "./provider-instance.js";

export interface BoundAddress {
  address: string;
  port: number;
}

export function findSelfLoop(
  providers: readonly ProviderInstance[],
  bound: BoundAddress,
): ProviderInstance | undefined {
  const own = ownHosts(bound.address);
  return providers.find((provider) => {
    let url: URL;
    try {
      url = new URL(provider.baseUrl);
    } catch {
      return false;
    }
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    return port === bound.port && own(normalizeHost(url.hostname));
  });
}

/** Whether a host names this gateway's listening address. */
function ownHosts(boundAddress: string): (host: string) => boolean {
  const bound = normalizeHost(boundAddress);
  const wildcard = bound === "0.0.0.0" || bound === "::";
  // Bound to one address that is not loopback: nothing but that address reaches it.
  if (!wildcard && !isLoopback(bound)) return (host) => host === bound;
  // Connecting to 0.0.0.0 or :: reaches the loopback interface.
  const local = new Set<string>(["0.0.0.0", "::"]);
  if (wildcard) {
    // Listening on every interface: each of this machine's addresses, and its name, reach it.
    local.add(hostname().toLowerCase());
    for (const entries of Object.values(networkInterfaces())) {
      for (const entry of entries ?? []) local.add(normalizeHost(entry.address));
    }
  }
  return (host) => host === bound || isLoopback(host) || local.has(host);
}

function isLoopback(host: string): boolean {
  if (host === "::1" || host === "localhost" || host.endsWith(".localhost")) return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** Lower case, without IPv6 brackets or an IPv4-mapped prefix. */
function normalizeHost(host: string): string {
  let value = host.toLowerCase();
  if (value.startsWith("[") && value.endsWith("]")) value = value.slice(1, -1);
  if (value.startsWith("::ffff:") && isIP(value.slice(7)) === 4) value = value.slice(7);
  // WHATWG URLs write an IPv4-mapped address in hex ([::ffff:7f00:1]).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(value);
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const high = Number.parseInt(mapped[1], 16);
    const low = Number.parseInt(mapped[2], 16);
    value = [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  return value;
}
