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
import type { ApiKeyRecord, ProviderRecord, RoutingRuleRecord } from "../store/types.js";

export interface ConfigDocumentSources {
  /** The config file the gateway runs with (parsed, `${VAR}`s already resolved). */
  file: ConfigFile;
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
  const leftOut: string[] = [];
  const providers: Record<string, ProviderConfig> = {};
  for (const instance of sources.fixedProviders) {
    if (instance.type === "mock") {
      leftOut.push(`provider ${instance.id} (the --demo provider)`);
      continue;
    }
    const entry = file.providers?.[instance.id];
    if (entry !== undefined) {
      providers[instance.id] = {
        ...entry,
        ...(entry.api_key === undefined ? {} : { api_key: `\${${providerKeyVariable(instance.id)}}` }),
      };
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
      providers[id] = {
        ...entry,
        ...(entry.api_key === undefined ? {} : { api_key: `\${${providerKeyVariable(id)}}` }),
      };
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
    ...(file.server === undefined ? {} : { server: file.server }),
    ...(Object.keys(providers).length === 0 ? {} : { providers }),
    ...(file.models === undefined ? {} : { models: file.models }),
    ...(Object.keys(rules).length === 0 ? {} : { routing_rules: rules }),
    ...(keys.length === 0 ? {} : { keys }),
    ...(file.limits === undefined ? {} : { limits: file.limits }),
  };
  return { document, leftOut };
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
