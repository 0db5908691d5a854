/**
 * Enabled providers: built-in declarations switched on by `<PROVIDER>_API_KEY`, merged with the
 * config file's `providers` section (which may also add custom OpenAI-compatible servers), and
 * providers stored through the admin API (`storedProviderInstance`), checked the same way.
 */

import { ConfigError } from "../config/config-error.js";
import type { ProviderConfig } from "../config/config-schema.js";
import type { ProviderDeclaration } from "./declaration.js";
import { isProviderType, type ProviderType, providerRegistry } from "./registry.js";

export interface ProviderInstance {
  /** The name callers use as `<id>/model` and that `Floopy-Provider` reports. */
  id: string;
  type: ProviderType;
  declaration: ProviderDeclaration;
  /** Without a trailing slash. */
  baseUrl: string;
  apiKey: string | null;
  /** Models configured for this instance, in addition to the declaration's catalogue. */
  models: readonly string[];
  allowLinkLocal: boolean;
  /** Where the operator sets this instance's base URL and key, for messages that say what to fix. */
  settings: { baseUrl: string; apiKey: string };
  /** Only this org's keys may use it (a provider stored for one org); null: every key. */
  orgId: string | null;
}

/** A provider from the store with its credential already unsealed (see control/stored-providers.ts). */
export interface StoredProviderEntry {
  name: string;
  type: string;
  baseUrl: string | null;
  models: readonly string[] | null;
  orgId: string | null;
  apiKey: string | null;
}

/**
 * An admin-API provider as an instance, refused (ConfigError naming the field) for what a config
 * file's provider would be refused for: an unknown type, no base URL where the type has no
 * default, no key where the type needs one, a URL that is not plain http(s). Link-local and
 * metadata addresses are refused at connect time, as for every provider (the address guard); such
 * providers never get `allow_link_local`.
 */
export function storedProviderInstance(entry: StoredProviderEntry): ProviderInstance {
  if (!isProviderType(entry.type) || entry.type === "mock") {
    throw new ConfigError(
      `type: unknown provider type "${entry.type}" (known: ${storedProviderTypes().join(", ")})`,
    );
  }
  const declaration = providerRegistry[entry.type];
  const baseUrl = entry.baseUrl ?? declaration.defaultBaseUrl;
  if (baseUrl === null) throw new ConfigError(`base_url: required for a provider of type ${entry.type}`);
  if ((entry.apiKey === null || entry.apiKey === "") && !declaration.keyOptional) {
    throw new ConfigError(`api_key: required for a provider of type ${entry.type}`);
  }
  const setting = `the admin API's provider '${entry.name}' (PUT /admin/providers/${entry.name})`;
  return {
    id: entry.name,
    type: entry.type,
    declaration,
    baseUrl: checkBaseUrl(baseUrl, "base_url"),
    apiKey: entry.apiKey === "" ? null : entry.apiKey,
    models: entry.models ?? [],
    allowLinkLocal: false,
    settings: { baseUrl: `${setting}, base_url`, apiKey: `${setting}, api_key` },
    orgId: entry.orgId,
  };
}

/** The types a stored provider may have: every registered one but the demo provider. */
export function storedProviderTypes(): ProviderType[] {
  return (Object.keys(providerRegistry) as ProviderType[]).filter((type) => type !== "mock");
}

export function resolveProviders(
  configured: Readonly<Record<string, ProviderConfig>> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ProviderInstance[] {
  const instances = new Map<string, ProviderInstance>();
  for (const [type, declaration] of Object.entries(providerRegistry) as Array<
    [ProviderType, ProviderDeclaration]
  >) {
    if (declaration.envPrefix === null || declaration.defaultBaseUrl === null) continue;
    const keyNames = [`${declaration.envPrefix}_API_KEY`, ...(declaration.extraKeyEnv ?? [])];
    const keyName = keyNames.find((name) => {
      const value = env[name]?.trim();
      return value !== undefined && value !== "";
    });
    const apiKey = keyName === undefined ? undefined : env[keyName]?.trim();
    if (keyName === undefined || apiKey === undefined) continue;
    const baseUrl = env[`${declaration.envPrefix}_BASE_URL`]?.trim() || declaration.defaultBaseUrl;
    instances.set(type, {
      id: type,
      type,
      declaration,
      baseUrl: checkBaseUrl(baseUrl, `${declaration.envPrefix}_BASE_URL`),
      apiKey,
      models: [],
      allowLinkLocal: false,
      settings: { baseUrl: `${declaration.envPrefix}_BASE_URL`, apiKey: keyName },
      orgId: null,
    });
  }
  for (const [id, entry] of Object.entries(configured ?? {})) {
    const where = `providers.${id}`;
    const typeName = entry.type ?? id;
    if (!isProviderType(typeName)) {
      throw new ConfigError(
        `${where}.type: unknown provider type "${typeName}" (known: ${Object.keys(providerRegistry).join(", ")})`,
      );
    }
    if (typeName === "mock") {
      throw new ConfigError(
        `${where}.type: the demo provider is built in and enabled only by \`floopy serve --demo\` or FLOOPY_DEMO=1`,
      );
    }
    if (entry.enabled === false) {
      instances.delete(id);
      continue;
    }
    const declaration = providerRegistry[typeName];
    const fromEnv = instances.get(id);
    const baseUrl = entry.base_url ?? fromEnv?.baseUrl ?? declaration.defaultBaseUrl;
    if (baseUrl === null)
      throw new ConfigError(`${where}.base_url: required for a provider of type ${typeName}`);
    const apiKey = entry.api_key ?? fromEnv?.apiKey ?? null;
    if ((apiKey === null || apiKey === "") && !declaration.keyOptional) {
      throw new ConfigError(
        `${where}.api_key: required (or set ${declaration.envPrefix ?? id.toUpperCase()}_API_KEY)`,
      );
    }
    instances.set(id, {
      id,
      type: typeName,
      declaration,
      baseUrl: checkBaseUrl(baseUrl, `${where}.base_url`),
      apiKey: apiKey === "" ? null : apiKey,
      models: entry.models ?? [],
      allowLinkLocal: entry.allow_link_local ?? false,
      settings: {
        baseUrl: entry.base_url === undefined && fromEnv ? fromEnv.settings.baseUrl : `${where}.base_url`,
        apiKey: entry.api_key === undefined && fromEnv ? fromEnv.settings.apiKey : `${where}.api_key`,
      },
      orgId: null,
    });
  }
  return [...instances.values()];
}

/** The demo provider's instance, pointed at the built-in mock upstream (`floopy serve --demo`). */
export function demoProvider(baseUrl: string): ProviderInstance {
  return {
    id: "mock",
    type: "mock",
    declaration: providerRegistry.mock,
    baseUrl,
    apiKey: null,
    models: [],
    allowLinkLocal: false,
    settings: { baseUrl: "--demo", apiKey: "--demo" },
    orgId: null,
  };
}

function checkBaseUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where}: not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${where}: must be an http(s) URL`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError(`${where}: credentials in the URL are not allowed; use api_key`);
  }
  return value.replace(/\/+$/, "");
}
