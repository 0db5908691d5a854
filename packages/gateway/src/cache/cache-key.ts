/**
 * The exact cache's key: a SHA-256 of the tenant (derived by the server from the key, never from
 * the caller), the caller's protocol, the model after overrides, the routing rule, the cache seed
 * and every body field that can change the answer — serialised with sorted keys, so the order a
 * client writes its JSON in does not matter. Fields that never change an answer are left out, per
 * protocol (docs/cache.md lists them), as are the caller's `Floopy-Cache-Ignore-Keys`.
 */
import { createHash } from "node:crypto";

export const IGNORED_BODY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "openai-chat": ["user", "metadata", "stream", "stream_options", "store", "service_tier"],
  "openai-responses": ["user", "metadata", "stream", "store", "service_tier", "background"],
  "anthropic-messages": ["metadata", "stream"],
  gemini: [],
};

export interface ExactKeyInput {
  orgId: string;
  projectId: string | null;
  protocol: string;
  route: string;
  model: string;
  routingRule: string | null;
  body: Readonly<Record<string, unknown>>;
  ignoreKeys: readonly string[];
  seed: string | null;
}

export function exactCacheKey(input: ExactKeyInput): string {
  const ignored = new Set([...(IGNORED_BODY_FIELDS[input.protocol] ?? []), ...input.ignoreKeys, "model"]);
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input.body)) if (!ignored.has(name)) body[name] = value;
  const material = stableStringify({
    v: 1,
    org: input.orgId,
    project: input.projectId,
    protocol: input.protocol,
    route: input.route,
    model: input.model,
    rule: input.routingRule,
    seed: input.seed,
    body,
  });
  return createHash("sha256").update(material).digest("hex");
}

/** JSON with every object's keys sorted (arrays keep their order); undefined members dropped. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? "null" : stableStringify(item))).join(",")}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
    .map((name) => `${JSON.stringify(name)}:${stableStringify((value as Record<string, unknown>)[name])}`);
  return `{${entries.join(",")}}`;
}
