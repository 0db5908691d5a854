/**
 * Which addresses a caller-supplied URL (an image to fetch for a provider that wants bytes) may
 * reach: public unicast only. Loopback, private, link-local, unique-local, carrier-grade NAT,
 * metadata, multicast and reserved ranges are refused, checked on the resolved address at connect
 * time so DNS rebinding cannot slip past a name check (RELIABILITY.md, SSRF).
 */
import ipaddr from "ipaddr.js";

export function isPublicAddress(address: string): boolean {
  const literal = address.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(literal)) return false;
  let parsed = ipaddr.parse(literal);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === "unicast";
}
