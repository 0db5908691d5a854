/**
 * A `dns.lookup` replacement for socket options that keeps only the resolved addresses a policy
 * allows, and fails with EFORBIDDENADDRESS when none is left. Checking at connect time, on the
 * resolved address, is what stops DNS from smuggling a forbidden address past a name check.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";

export type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export function lookupAllowing(allowed: (address: string) => boolean): Lookup {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      const kept = addresses.filter((entry) => allowed(entry.address));
      if (kept.length === 0) {
        const refused: NodeJS.ErrnoException = new Error(
          `refused to connect to ${hostname}: it resolves only to addresses that are not allowed`,
        );
        refused.code = "EFORBIDDENADDRESS";
        callback(refused, []);
        return;
      }
      if (options.all) callback(null, kept);
      else {
        const first = kept[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}
