/**
 * Whether the firewall screens a request, and how: the config file's `firewall:` (global, then
 * the org's, the key's by name, the routing rule's overrides) and `floopy-llm-security-enabled`.
 * The header can turn screening on for a request; it cannot turn off what the config enables, so
 * an operator's firewall is not the caller's to skip. Pure.
 */
import type { FirewallConfig } from "../config/config-schema.js";
import { GatewayError } from "../errors/gateway-error.js";

export interface FirewallPolicy {
  pii: "off" | "block" | "redact";
  /** The safety model to ask after the local tier, or null (local tier only). */
  model: string | null;
  onError: "allow" | "block";
  verdictCacheThreshold: number;
  timeoutMs: number;
  /** Only the request's header turned screening on (the config did not). */
  askedByHeader: boolean;
}

export const FIREWALL_DEFAULTS = {
  verdictCacheThreshold: 0.95,
  timeoutMs: 10_000,
} as const;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function firewallPolicy(
  headers: Headers,
  config: FirewallConfig | undefined,
  scope: { orgId: string | null; keyName: string | null; rule: string | null; model: string | null },
): FirewallPolicy | null {
  const pick = <T>(record: Record<string, T> | undefined, name: string | null) =>
    name === null ? undefined : record?.[name];
  const layered = {
    ...config,
    ...pick(config?.orgs, scope.orgId),
    ...pick(config?.keys, scope.keyName),
    ...pick(config?.rules, scope.rule),
  };
  const asked = securityHeader(headers["floopy-llm-security-enabled"]);
  if (layered.enabled !== true && asked !== true) return null;
  return {
    pii: layered.pii ?? "off",
    model: layered.safety_model === false ? null : scope.model,
    onError: layered.on_error ?? "allow",
    verdictCacheThreshold: config?.verdict_cache_threshold ?? FIREWALL_DEFAULTS.verdictCacheThreshold,
    timeoutMs: config?.timeout_ms ?? FIREWALL_DEFAULTS.timeoutMs,
    askedByHeader: layered.enabled !== true,
  };
}

function securityHeader(value: string | string[] | undefined): boolean | null {
  if (value === undefined) return null;
  const text = (Array.isArray(value) ? value.join(",") : value).trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new GatewayError("BAD_REQUEST", "floopy-llm-security-enabled: expected true or false.", {
    param: "floopy-llm-security-enabled",
  });
}
