/**
 * A key as the admin API answers it and as the audit log hashes it — never the key itself or its
 * hash, only the first characters of the key for people to recognise it. The CLI audits its key
 * changes with the same state, so one key's entries chain whichever way it was changed.
 */
import type { ApiKeyRecord } from "../store/types.js";

/**
 * A key as the audit log hashes it: every stored field but the hash, none derived from the clock,
 * so one change's after-hash is the next change's before-hash.
 */
export function keyState(key: ApiKeyRecord) {
  return {
    object: "api_key",
    id: key.id,
    name: key.name,
    display_prefix: key.displayPrefix,
    org_id: key.orgId,
    project_id: key.projectId,
    scope: key.scope,
    source: key.source,
    routing_rule: key.routingRule,
    rpm: key.rpm,
    tpm: key.tpm,
    monthly_budget_usd: key.monthlyBudgetUsd,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

/** A key as the admin API answers it: its state and whether it works now. */
export function keyObject(key: ApiKeyRecord) {
  const status =
    key.revokedAt !== null
      ? "revoked"
      : key.expiresAt !== null && key.expiresAt.getTime() <= Date.now()
        ? "expired"
        : "active";
  return { ...keyState(key), status };
}
