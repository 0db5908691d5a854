/**
 * What a start checks against the control store before it writes anything or listens, in one
 * place for both callers: `startGateway` (so `floopy serve`) and `floopy config validate`. Sharing
 * it is what makes validate pass exactly when serve's checks would: a key in the config file
 * naming a routing rule that exists nowhere fails both.
 */
import type { KeyConfig } from "../config/config-schema.js";
import type { LoadedConfig } from "../config/load-config.js";
import { ModelCatalogue } from "../providers/model-catalogue.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import type { ControlStore } from "../store/types.js";
import { type BootstrapKeysOptions, checkBootstrapKeys } from "./bootstrap-keys.js";
import { type ConfigRulesOptions, checkConfigRules } from "./config-rules.js";

export interface StartupPlan {
  catalogue: ModelCatalogue;
  /** A config file owns its keys and rules (one listing none removes them); no file leaves them. */
  fileOwnsConfig: boolean;
  configRules: Omit<ConfigRulesOptions, "logger">;
  keyOptions: BootstrapKeysOptions;
}

/** What the store is read for: rules by name, keys by hash. Nothing is written. */
export type StartupReader = Pick<ControlStore, "getRoutingRule" | "findApiKeyByHash">;

/** The catalogue, rules and keys a start with this config and these enabled providers works from. */
export function planStartup(config: LoadedConfig, providers: readonly ProviderInstance[]): StartupPlan {
  const catalogue = new ModelCatalogue([...providers], config.file.models ?? {});
  const fileOwnsConfig = config.sourcePath !== undefined;
  const keys: readonly KeyConfig[] = config.file.keys ?? [];
  return {
    catalogue,
    fileOwnsConfig,
    configRules: { rules: config.file.routing_rules, keys, catalogue },
    keyOptions: {
      configKeys: fileOwnsConfig ? keys : undefined,
      bootstrapKey: config.settings.bootstrapKey,
      adminKey: config.settings.adminKey,
    },
  };
}

/** Refuses (with a ConfigError naming the field) what the start would refuse once it writes. */
export async function checkStartup(store: StartupReader, plan: StartupPlan): Promise<void> {
  if (plan.fileOwnsConfig) await checkConfigRules(store, plan.configRules);
  await checkBootstrapKeys(store, plan.keyOptions);
}
