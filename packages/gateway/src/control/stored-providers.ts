/**
 * Turns the providers stored through the admin API (sealed, as the control snapshot holds them)
 * into provider instances: unseals each credential with the master key and checks each provider
 * as a config-file provider is checked (`storedProviderInstance`). A provider that cannot be
 * unsealed (the gateway started with another master key) or no longer passes the checks is left
 * out and logged — never a failed start or a crash loop: the other providers keep serving.
 * Unchanged rows keep their instance, so a reload unseals only what changed and the model lists
 * cached per instance survive it. A row whose credential was only resealed (a master-key rotation:
 * same `updated_at`, another sealed value) that this process's key cannot unseal keeps the
 * instance it had: the credential is the same, so a running gateway serves on until it restarts
 * with the new key.
 */
import type { Logger } from "pino";
import { ConfigError } from "../config/config-error.js";
import { type ProviderInstance, storedProviderInstance } from "../providers/provider-instance.js";
import type { ProviderRecord } from "../store/types.js";
import { unseal } from "./master-key.js";

export interface StoredProvidersOptions {
  /** Undefined when there is none yet (`floopy config validate` before the first start): nothing unseals. */
  masterKey: Buffer | undefined;
  logger?: Logger;
}

interface Built {
  updatedAt: number;
  sealedApiKey: string | null;
  /** Null: the row was refused (and logged) once; it is not retried until it changes. */
  instance: ProviderInstance | null;
}

export class StoredProviders {
  private readonly built = new Map<string, Built>();

  constructor(private readonly options: StoredProvidersOptions) {}

  /** The usable instances of `records`, in their order. */
  instances(records: readonly ProviderRecord[]): ProviderInstance[] {
    const names = new Set(records.map((record) => record.name));
    for (const name of this.built.keys()) if (!names.has(name)) this.built.delete(name);
    const instances: ProviderInstance[] = [];
    for (const record of records) {
      let entry = this.built.get(record.name);
      const updatedAt = record.updatedAt.getTime();
      if (
        entry === undefined ||
        entry.updatedAt !== updatedAt ||
        entry.sealedApiKey !== record.sealedApiKey
      ) {
        const resealed = entry !== undefined && entry.updatedAt === updatedAt && entry.instance !== null;
        const instance = this.build(record, resealed);
        entry = {
          updatedAt,
          sealedApiKey: record.sealedApiKey,
          instance: instance ?? (resealed ? (entry?.instance ?? null) : null),
        };
        this.built.set(record.name, entry);
      }
      if (entry.instance !== null) instances.push(entry.instance);
    }
    return instances;
  }

  /** `resealed`: the row was resealed under another key; one this key cannot unseal is kept as it was. */
  private build(record: ProviderRecord, resealed = false): ProviderInstance | null {
    const { logger } = this.options;
    let apiKey: string | null = null;
    if (record.sealedApiKey !== null) {
      const { masterKey } = this.options;
      try {
        if (masterKey === undefined) throw new Error("no master key");
        apiKey = unseal(masterKey, record.sealedApiKey);
      } catch {
        if (resealed) {
          logger?.warn(
            { provider: record.name },
            `the stored provider '${record.name}' was resealed under a new master key; this gateway keeps the credential it already has until it restarts with the new FLOOPY_MASTER_KEY`,
          );
          return null;
        }
        logger?.error(
          { provider: record.name },
          `the stored provider '${record.name}' could not be unsealed with this master key (FLOOPY_MASTER_KEY, or master.key in the data dir); it is skipped until the gateway runs with the key it was sealed with (see docs/secrets.md)`,
        );
        return null;
      }
    }
    try {
      return storedProviderInstance({
        name: record.name,
        type: record.type,
        baseUrl: record.baseUrl,
        models: record.models,
        orgId: record.orgId,
        apiKey,
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger?.error(
        { provider: record.name, problem: error.message },
        `the stored provider '${record.name}' is invalid (${error.message}); skipped`,
      );
      return null;
    }
  }
}
