/**
 * Which addresses an upstream connection may reach. Provider base URLs come from operators, so
 * loopback and private networks are allowed (local vLLM, Ollama), but link-local and cloud
 * metadata addresses are refused unless the provider is explicitly allowed: a leaked or mistyped
 * base URL must not hand a provider key to the metadata service. Checked at connect time on the
 * resolved address, so DNS cannot smuggle a forbidden address past a name check.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";

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

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `dns.lookup` replacement for socket options that fails on forbidden addresses. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }
    const allowed = addresses.filter((entry) => !isForbiddenUpstreamAddress(entry.address));
    if (allowed.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(
        `refused to connect to ${hostname}: it resolves only to link-local or metadata addresses`,
      );
      refused.code = "EFORBIDDENADDRESS";
      callback(refused, []);
      return;
    }
    if (options.all) callback(null, allowed);
    else {
      const first = allowed[0] as LookupAddress;
      callback(null, first.address, first.family);
    }
  });
}
