/** How the `floopy keys` commands show a key: never the key or its hash, always its status. */
import type { ApiKeyRecord } from "../store/types.js";

export function keyStatus(key: ApiKeyRecord, now = new Date()): "active" | "revoked" | "expired" {
  if (key.revokedAt) return "revoked";
  return key.expiresAt && key.expiresAt <= now ? "expired" : "active";
}

/** The key as `--json` prints it: every field but the hash. */
export function keySummary(key: ApiKeyRecord): Omit<ApiKeyRecord, "hash"> {
  const { hash: _hash, ...rest } = key;
  return rest;
}
