/**
 * Which addresses an upstream connection may reach. Provider base URLs come from operators, so
 * loopback and private networks are allowed (local vLLM, Ollama), but link-local and cloud
 * metadata addresses are refused unless the provider is explicitly allowed: a leaked or mistyped
 * base URL must not hand a provider key to the metadata service. Checked at connect time on the
 * resolved address, so DNS cannot smuggle a forbidden address past a name check.
 */
import { isIP } from "node:net";
import { lookupAllowing } from "./lookup-allowing.js";

const metadataAddresses = new Set(["169.254.169.254", "100.100.100.200", "fd00:ec2::254", "168.63.129.16"]);

export function isForbiddenUpstreamAddress(address: string): boolean {
  const normalised = address.toLowerCase().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(normalised)?.[1];
  const ip = mapped ?? normalised;
  if (metadataAddresses.has(ip)) return true;
  if (isIP(ip) === 4) return ip.startsWith("169.254.");
  if (isIP(ip) === 6) return /^fe[89ab][0-9a-f]:/.test(ip);
  return false;
}

/** A `dns.lookup` replacement for socket options that fails on forbidden addresses. */
export const guardedLookup = lookupAllowing((address) => !isForbiddenUpstreamAddress(address));
