/**
 * Keys present at start: the config file's keys (by hash), the `FLOOPY_BOOTSTRAP_KEY`, the
 * `FLOOPY_ADMIN_KEY` (admin scope), and — on the very first start with no gateway key at all — a
 * generated key that is printed once. `checkBootstrapKeys` only reads, so a start can refuse before
 * it has changed anything; `bootstrapKeys` writes, once the gateway is sure to run.
 */
import { randomBytes } from "node:crypto";
import { ConfigError } from "../config/config-error.js";
import type { KeyConfig } from "../config/config-schema.js";
import type { ApiKeyRecord, ControlStore } from "../store/types.js";
import { displayPrefix, generateApiKey, hashApiKey } from "./api-keys.js";

export interface BootstrapResult {
  /** A key generated because none existed; the caller prints it once. */
  generatedKey: string | null;
  /** Ids of config-file keys revoked at this start because the file no longer lists them. */
  revokedConfigKeys: string[];
}

export function newKeyId(): string {
  return `key_${randomBytes(9).toString("base64url")}`;
}

export interface BootstrapKeysOptions {
  /**
   * The config file's keys, which it owns; undefined when there is no config file, which leaves
   * config-file keys as they are (no file is not a file listing no keys).
   */
  configKeys: readonly KeyConfig[] | undefined;
  bootstrapKey: string | undefined;
  adminKey?: string | undefined;
}

/** Refuses, before anything is written, what `bootstrapKeys` would refuse. */
export async function checkBootstrapKeys(
  store: Pick<ControlStore, "findApiKeyByHash">,
  options: BootstrapKeysOptions,
): Promise<void> {
  if (options.adminKey === undefined) return;
  const existing = await store.findApiKeyByHash(hashApiKey(options.adminKey));
  if (existing !== undefined && existing.scope !== "admin") {
    // Quietly promoting a gateway key would hand admin rights to every application holding it.
    throw new ConfigError("FLOOPY_ADMIN_KEY: this key already exists as a gateway key; choose another");
  }
}

export async function bootstrapKeys(
  store: ControlStore,
  options: BootstrapKeysOptions,
): Promise<BootstrapResult> {
  await checkBootstrapKeys(store, options);
  const revokedConfigKeys =
    options.configKeys === undefined ? [] : await syncConfigKeys(store, options.configKeys);
  if (options.bootstrapKey !== undefined) {
    const hash = hashApiKey(options.bootstrapKey);
    if (!(await store.findApiKeyByHash(hash))) {
      await store.insertApiKey(newKeyRecord("bootstrap", options.bootstrapKey, "bootstrap"));
    }
  }
  if (options.adminKey !== undefined && !(await store.findApiKeyByHash(hashApiKey(options.adminKey)))) {
    await store.insertApiKey({ ...newKeyRecord("admin", options.adminKey, "bootstrap"), scope: "admin" });
  }
  if ((await store.countApiKeys("gateway")) > 0) return { generatedKey: null, revokedConfigKeys };
  const key = generateApiKey();
  await store.insertApiKey(newKeyRecord("default", key, "generated"));
  return { generatedKey: key, revokedConfigKeys };
}

/** Writes the file's keys and revokes config-file keys it no longer lists; returns the revoked ids. */
async function syncConfigKeys(store: ControlStore, configKeys: readonly KeyConfig[]): Promise<string[]> {
  for (const key of configKeys) {
    const orgId = key.org ?? "default";
    await store.ensureOrg({ id: orgId, name: orgId });
    if (key.project !== undefined) await store.ensureProject({ id: key.project, orgId, name: key.project });
    await store.upsertApiKeyByHash({
      id: newKeyId(),
      orgId,
      projectId: key.project ?? null,
      name: key.name,
      hash: key.hash,
      displayPrefix: "(config)",
      source: "config",
      routingRule: key.routing_rule ?? null,
      rpm: key.rpm ?? null,
      tpm: key.tpm ?? null,
      monthlyBudgetUsd: key.monthly_budget_usd ?? null,
      expiresAt: key.expires_at === undefined ? null : new Date(key.expires_at),
    });
  }
  // The file owns its keys: one removed from it must stop working, not linger in the store.
  const listed = new Set(configKeys.map((key) => key.hash));
  const revoked: string[] = [];
  for (const key of await store.listApiKeys()) {
    if (key.source !== "config" || key.revokedAt !== null || listed.has(key.hash)) continue;
    await store.revokeApiKey(key.id, new Date());
    revoked.push(key.id);
  }
  return revoked;
}

export function newKeyRecord(
  name: string,
  key: string,
  source: ApiKeyRecord["source"],
  scope: { orgId?: string; projectId?: string | null; expiresAt?: Date | null } = {},
) {
  return {
    id: newKeyId(),
    orgId: scope.orgId ?? "default",
    projectId: scope.projectId ?? null,
    name,
    hash: hashApiKey(key),
    displayPrefix: displayPrefix(key),
    source,
    routingRule: null,
    rpm: null,
    tpm: null,
    monthlyBudgetUsd: null,
    expiresAt: scope.expiresAt ?? null,
  };
}
