/**
 * The live configuration as a config file (INTERFACE.md: `GET /admin/config`, `floopy config
 * export`): the file's own sections, every routing rule and gateway key of the control store, and
 * every provider — the environment's, the file's and the admin API's — with each credential
 * replaced by a `${VAR}` reference, so the document can be read, diffed and imported anywhere
 * without holding a secret. One builder serves the admin API and the CLI.
 */
import { stringify } from "yaml";
import type { ConfigFile, KeyConfig, ProviderConfig } from "../config/config-schema.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import type { ApiKeyRecord, ControlStore, ProviderRecord, RoutingRuleRecord } from "../store/types.js";

export interface ConfigDocumentSources {
  /** The config file the gateway runs with (parsed, `${VAR}`s already resolved). */
  file: ConfigFile;
  /**
   * The file's fields written as `${VAR}` references, by dotted path (LoadedConfig.templates):
   * they are exported as written, never as what they resolved to.
   */
  templates?: Readonly<Record<string, string>>;
  /** Providers of the environment, the config file and `--demo`. */
  fixedProviders: readonly ProviderInstance[];
  /** Providers stored through the admin API (credentials sealed; never read here). */
  storedProviders: readonly ProviderRecord[];
  rules: readonly RoutingRuleRecord[];
  keys: readonly ApiKeyRecord[];
}

export interface ConfigDocument {
  document: ConfigFile;
  /** What the config-file format cannot carry, in words, for the document's header. */
  leftOut: string[];
}

/** The variable a stored or file provider's credential is referenced by: `FLOOPY_PROVIDER_<ID>_API_KEY`. */
export function providerKeyVariable(id: string): string {
  return `FLOOPY_PROVIDER_${id.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
}

export function buildConfigDocument(sources: ConfigDocumentSources): ConfigDocument {
  const { file } = sources;
  const templates = sources.templates ?? {};
  const leftOut: string[] = [];
  const providers: Record<string, ProviderConfig> = {};
  for (const instance of sources.fixedProviders) {
    if (instance.type === "mock") {
      leftOut.push(`provider ${instance.id} (the --demo provider)`);
      continue;
    }
    const entry = file.providers?.[instance.id];
    if (entry !== undefined) {
      providers[instance.id] = fileProvider(instance.id, entry, templates);
      continue;
    }
    // Enabled by the environment: the variable it was enabled by is its reference.
    providers[instance.id] = {
      ...(instance.type === instance.id ? {} : { type: instance.type }),
      ...(/^[A-Z][A-Z0-9_]*$/.test(instance.settings.apiKey)
        ? { api_key: `\${${instance.settings.apiKey}}` }
        : {}),
      ...(instance.baseUrl === instance.declaration.defaultBaseUrl ? {} : { base_url: instance.baseUrl }),
    };
  }
  for (const [id, entry] of Object.entries(file.providers ?? {})) {
    // A file entry that enables nothing (`enabled: false`, no key) is still part of the file.
    if (providers[id] === undefined && !sources.fixedProviders.some((instance) => instance.id === id)) {
      providers[id] = fileProvider(id, entry, templates);
    }
  }
  for (const record of sources.storedProviders) {
    if (record.orgId !== null) {
      leftOut.push(
        `provider ${record.name} (stored for org ${record.orgId}; the file format has no org-scoped providers)`,
      );
      continue;
    }
    if (providers[record.name] !== undefined) continue; // shadowed by the environment or the file
    providers[record.name] = {
      type: record.type,
      ...(record.baseUrl === null ? {} : { base_url: record.baseUrl }),
      ...(record.models === null ? {} : { models: [...record.models] }),
      ...(record.sealedApiKey === null ? {} : { api_key: `\${${providerKeyVariable(record.name)}}` }),
    };
  }
  const rules = Object.fromEntries(
    [...sources.rules]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((rule) => [rule.name, rule.definition as NonNullable<ConfigFile["routing_rules"]>[string]]),
  );
  const keys: KeyConfig[] = [];
  let adminKeys = 0;
  for (const key of sources.keys) {
    if (key.revokedAt !== null) continue;
    if (key.scope === "admin") {
      adminKeys++;
      continue;
    }
    keys.push({
      name: key.name,
      hash: key.hash as KeyConfig["hash"],
      org: key.orgId,
      ...(key.projectId === null ? {} : { project: key.projectId }),
      ...(key.routingRule === null ? {} : { routing_rule: key.routingRule }),
      ...(key.rpm === null ? {} : { rpm: key.rpm }),
      ...(key.tpm === null ? {} : { tpm: key.tpm }),
      ...(key.monthlyBudgetUsd === null ? {} : { monthly_budget_usd: key.monthlyBudgetUsd }),
      ...(key.expiresAt === null ? {} : { expires_at: key.expiresAt.toISOString() }),
    });
  }
  if (adminKeys > 0)
    leftOut.push(
      `${adminKeys} admin key(s) (admin keys are made with --admin or FLOOPY_ADMIN_KEY, never by a file)`,
    );
  leftOut.push(
    "org constraints and plans (the file format has no section for them; see /admin/constraints and /admin/plans)",
  );
  const document: ConfigFile = {
    ...(file.server === undefined ? {} : { server: asWritten(file.server, ["server"], templates) }),
    ...(Object.keys(providers).length === 0 ? {} : { providers }),
    ...(file.models === undefined ? {} : { models: asWritten(file.models, ["models"], templates) }),
    ...(Object.keys(rules).length === 0 ? {} : { routing_rules: rules }),
    ...(keys.length === 0 ? {} : { keys }),
    ...(file.limits === undefined ? {} : { limits: asWritten(file.limits, ["limits"], templates) }),
  };
  return { document, leftOut };
}

/** What the document reads from the control store. */
export type ConfigDocumentReader = Pick<ControlStore, "listProviders" | "listRoutingRules" | "listApiKeys">;

/** The document of what `reader` holds now and what this process runs with. */
export async function readConfigDocument(
  reader: ConfigDocumentReader,
  running: Omit<ConfigDocumentSources, "storedProviders" | "rules" | "keys">,
): Promise<ConfigDocument> {
  const [storedProviders, rules, keys] = await Promise.all([
    reader.listProviders(),
    reader.listRoutingRules(),
    reader.listApiKeys(),
  ]);
  return buildConfigDocument({ ...running, storedProviders, rules, keys });
}

/**
 * A config-file provider as the file wrote it. Its credential is a bare `${VAR}` when the file
 * referenced one (so the export loads wherever that variable is set, as the file does); a key
 * written in the file itself, or a reference with a default (which may be the key), becomes
 * `${FLOOPY_PROVIDER_<ID>_API_KEY}`.
 */
function fileProvider(
  id: string,
  entry: ProviderConfig,
  templates: Readonly<Record<string, string>>,
): ProviderConfig {
  const { api_key: apiKey, ...rest } = entry;
  const written = templates[`providers.${id}.api_key`];
  const reference =
    written !== undefined && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(written)
      ? written
      : `\${${providerKeyVariable(id)}}`;
  return {
    ...asWritten(rest, ["providers", id], templates),
    ...(apiKey === undefined ? {} : { api_key: reference }),
  };
}

/** A file section with every string the file wrote as a reference given back as written. */
function asWritten<T>(value: T, path: readonly string[], templates: Readonly<Record<string, string>>): T {
  if (typeof value === "string") return (templates[path.join(".")] ?? value) as T;
  if (Array.isArray(value)) {
    return value.map((item, index) => asWritten(item, [...path, String(index)], templates)) as T;
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, asWritten(item, [...path, key], templates)]),
    ) as T;
  }
  return value;
}

/** The document as text: YAML with a header saying what it is and what it leaves out, or JSON. */
export function configDocumentText(built: ConfigDocument, format: "yaml" | "json"): string {
  if (format === "json") return `${JSON.stringify(built.document, null, 2)}\n`;
  const header = [
    "# Floopy configuration, exported from the live control store.",
    "# Credentials are references: set each $" + "{…} variable before loading or importing this file.",
    ...built.leftOut.map((item) => `# Not included: ${item}.`),
  ];
  const body =
    Object.keys(built.document).length === 0 ? "{}\n" : stringify(built.document, { lineWidth: 0 });
  return `${header.join("\n")}\n${body}`;
}
