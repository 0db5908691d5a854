/**
 * Whether a request consults the cache, and how: the config file's `cache:` (global, then the
 * org's, then the routing rule's overrides) and the request's own headers (INTERFACE.md "Request
 * headers"), the headers winning. Pure: headers and config in, a policy out; a header that cannot
 * be read is a 400 naming it.
 */
import type { CacheConfig } from "../config/config-schema.js";
import { GatewayError } from "../errors/gateway-error.js";

export type CacheMode = "exact" | "semantic";

export interface CachePolicy {
  mode: CacheMode;
  /** How long what this request stores is kept. */
  ttlMs: number;
  /** False under `Cache-Control: no-store`: the answer is not kept. */
  store: boolean;
  /** False under `Cache-Control: no-cache`: the provider answers (and the answer is kept). */
  lookup: boolean;
  /** `Floopy-Cache-Bucket-Max-Size`: answers kept per key (1 without the header). */
  bucketSize: number;
  /** `Floopy-Cache-Seed`: partitions the exact cache. */
  seed: string | null;
  /** `Floopy-Cache-Ignore-Keys`: top-level body keys left out of the key. */
  ignoreKeys: string[];
  semanticThreshold: number;
  conversation: boolean;
  conversationThreshold: number;
}

export const CACHE_DEFAULTS = {
  ttlSeconds: 3600,
  semanticThreshold: 0.92,
  conversationThreshold: 0.85,
  semanticMaxMessages: 4,
  maxBucketSize: 100,
  /** The longest TTL a request may ask for (`Cache-Control: max-age`): 30 days. */
  maxTtlSeconds: 30 * 24 * 3600,
} as const;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function cachePolicy(
  headers: Headers,
  config: CacheConfig | undefined,
  scope: { orgId: string | null; rule: string | null },
): CachePolicy | null {
  const org = scope.orgId === null ? undefined : config?.orgs?.[scope.orgId];
  const rule = scope.rule === null ? undefined : config?.rules?.[scope.rule];
  const layered = { ...config, ...org, ...rule };
  const requestedMode = modeHeader(one(headers, "floopy-cache"));
  const enabledHeader = booleanHeader(one(headers, "floopy-cache-enabled"), "Floopy-Cache-Enabled");
  const enabled = enabledHeader ?? (requestedMode !== null ? true : (layered.enabled ?? false));
  if (!enabled) return null;
  const control = cacheControl(one(headers, "cache-control"));
  const ttlSeconds = Math.min(
    control.maxAge ?? layered.ttl_seconds ?? CACHE_DEFAULTS.ttlSeconds,
    CACHE_DEFAULTS.maxTtlSeconds,
  );
  return {
    mode: requestedMode ?? layered.mode ?? "exact",
    ttlMs: ttlSeconds * 1000,
    store: !control.noStore && ttlSeconds > 0,
    lookup: !control.noCache,
    bucketSize: bucketSize(one(headers, "floopy-cache-bucket-max-size")),
    seed: one(headers, "floopy-cache-seed") ?? null,
    ignoreKeys: ignoreKeys(one(headers, "floopy-cache-ignore-keys")),
    semanticThreshold: layered.semantic_threshold ?? CACHE_DEFAULTS.semanticThreshold,
    conversation: layered.conversation ?? false,
    conversationThreshold: layered.conversation_threshold ?? CACHE_DEFAULTS.conversationThreshold,
  };
}

function one(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function badHeader(name: string, message: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `${name}: ${message}.`, { param: name });
}

function modeHeader(value: string | undefined): CacheMode | null {
  if (value === undefined) return null;
  const mode = value.trim().toLowerCase();
  if (mode === "exact" || mode === "semantic") return mode;
  throw badHeader(
    "Floopy-Cache",
    `expected "exact" or "semantic", got ${JSON.stringify(value.slice(0, 40))}`,
  );
}

function booleanHeader(value: string | undefined, name: string): boolean | null {
  if (value === undefined) return null;
  const text = value.trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw badHeader(name, `expected true or false, got ${JSON.stringify(value.slice(0, 40))}`);
}

function bucketSize(value: string | undefined): number {
  if (value === undefined) return 1;
  const size = /^\s*\d{1,4}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= CACHE_DEFAULTS.maxBucketSize)) {
    throw badHeader(
      "Floopy-Cache-Bucket-Max-Size",
      `expected a whole number from 1 to ${CACHE_DEFAULTS.maxBucketSize}`,
    );
  }
  return size;
}

function ignoreKeys(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
}

/** The directives of `Cache-Control` the cache honours; others are ignored, as HTTP caches do. */
function cacheControl(value: string | undefined): {
  maxAge: number | null;
  noStore: boolean;
  noCache: boolean;
} {
  const result = { maxAge: null as number | null, noStore: false, noCache: false };
  if (value === undefined) return result;
  for (const directive of value.split(",")) {
    const [name = "", argument] = directive.trim().toLowerCase().split("=", 2);
    if (name === "no-store") result.noStore = true;
    else if (name === "no-cache") result.noCache = true;
    else if (name === "max-age") {
      const seconds =
        argument !== undefined && /^\d{1,10}$/.test(argument.trim()) ? Number(argument) : Number.NaN;
      if (!Number.isFinite(seconds))
        throw badHeader("Cache-Control", "max-age must be a whole number of seconds");
      result.maxAge = seconds;
    }
  }
  return result;
}
