/**
 * `GET /admin/config` and `POST /admin/config` (INTERFACE.md "Admin API"): the live configuration
 * exported in the config-file format, credentials as `${VAR}` references (control/config-document.ts),
 * and a document in that format imported into the control store. An import is checked whole before
 * anything is written: the config-file schema, the `${VAR}` references against this gateway's
 * environment, every rule a key names. Then providers are written (rules may target them), then
 * routing rules, then keys, each through the same checks and audit entries as its own admin
 * route; what an import may not change (this instance's own config file and environment) is
 * reported as skipped, never overwritten.
 */
import { isDeepStrictEqual } from "node:util";
import { ConfigError } from "../config/config-error.js";
import type { ConfigFile, ProviderConfig } from "../config/config-schema.js";
import { parseConfigText } from "../config/load-config.js";
import { newKeyId } from "../control/bootstrap-keys.js";
import { configDocumentText, readConfigDocument } from "../control/config-document.js";
import { GatewayError } from "../errors/gateway-error.js";
import { invalidBody } from "../protocol/floopy-api/body-schema.js";
import { ModelCatalogue } from "../providers/model-catalogue.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import type { ProviderSet } from "../providers/provider-set.js";
import type { AdminDependencies } from "./admin-request.js";
import { requireAdminKey } from "./admin-request.js";
import { ensureOrgAndProject } from "./ensure-org-and-project.js";
import { keyState } from "./key-object.js";
import { checkProvider, type ProviderBody, providersAdmin } from "./providers.js";
import { type AdminCall, checkRuleBody, requireConfirmation, routingRulesAdmin } from "./routing-rules.js";

export interface ConfigAdminDependencies extends AdminDependencies {
  providers: ProviderSet;
  seal: (plaintext: string) => string;
  file: ConfigFile;
  templates: Readonly<Record<string, string>>;
  env: Readonly<Record<string, string | undefined>>;
  /** The catalogue as it is now: stored providers an import just wrote are in it once reloaded. */
  currentCatalogue: () => AdminDependencies["catalogue"];
}

export interface ExportAnswer {
  text: string;
  contentType: string;
}

export async function exportConfig(
  call: Pick<AdminCall, "key" | "query" | "headers">,
  deps: ConfigAdminDependencies,
): Promise<ExportAnswer> {
  requireAdminKey(call.key);
  const accept = String(call.headers.accept ?? "");
  const json =
    call.query.format === "json" || (call.query.format !== "yaml" && /application\/json/.test(accept));
  if (call.query.format !== undefined && call.query.format !== "json" && call.query.format !== "yaml") {
    throw new GatewayError("invalid_request", "format: expected yaml or json.", { param: "format" });
  }
  const built = await liveDocument(deps);
  return {
    text: configDocumentText(built, json ? "json" : "yaml"),
    contentType: json ? "application/json" : "application/yaml",
  };
}

function liveDocument(deps: ConfigAdminDependencies) {
  return readConfigDocument(deps.store, {
    file: deps.file,
    templates: deps.templates,
    fixedProviders: deps.providers.fixed,
  });
}

interface Outcomes {
  created: string[];
  replaced: string[];
  unchanged: string[];
  skipped: Array<{ name: string; reason: string }>;
}

const outcomes = (): Outcomes => ({ created: [], replaced: [], unchanged: [], skipped: [] });

export async function importConfig(
  call: Pick<AdminCall, "key" | "headers">,
  text: string,
  deps: ConfigAdminDependencies,
): Promise<{ status: number; body: unknown }> {
  const key = requireAdminKey(call.key);
  requireConfirmation(
    { ...call, action: "create", name: undefined, query: {}, body: undefined },
    "config",
    "the configuration",
  );
  // A provider this instance defines itself is skipped, so its credential's variable need not be
  // set here: unset variables read as markers first, and only those left where the import will
  // write are refused. (A `${VAR:-default}` keeps its default.)
  const withDefaults = new Set(
    [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):-/g)].map((match) => match[1]),
  );
  const env = new Proxy(deps.env, {
    get: (values, name) =>
      typeof name !== "string" || values[name] !== undefined || withDefaults.has(name)
        ? values[name as string]
        : `${UNSET}${name}__`,
  });
  let document: ConfigFile;
  try {
    document = parseConfigText(text, "the imported configuration", env);
  } catch (error) {
    if (error instanceof ConfigError) throw invalidBody(error.message);
    throw error;
  }
  const skippedProviders = Object.keys(document.providers ?? {}).filter((name) =>
    deps.providers.isFixed(name),
  );
  checkReferences(document, skippedProviders);
  await checkKeysRules(document, deps);
  await checkWrites(document, deps);
  // The entry's hashes are of the whole exported document before and after (it holds no secret).
  const before = (await liveDocument(deps)).document;

  const report = {
    providers: outcomes(),
    routing_rules: outcomes(),
    keys: outcomes(),
    // Each instance's own file sets these; an import into the store cannot.
    ignored: (["server", "models", "limits"] as const).filter((section) => document[section] !== undefined),
  };
  const adminCall = (
    action: AdminCall["action"],
    name: string,
    body: unknown,
    confirm: string,
  ): AdminCall => ({
    action,
    name,
    query: {},
    headers: { "x-floopy-confirm": confirm },
    body,
    key,
  });

  for (const [name, entry] of Object.entries(document.providers ?? {})) {
    const skip = providerSkip(name, entry, deps);
    if (skip !== undefined) {
      report.providers.skipped.push({ name, reason: skip });
      continue;
    }
    const existing = await deps.store.getProvider(name);
    await providersAdmin(adminCall("replace", name, providerBody(name, entry), "providers"), deps);
    (existing === undefined ? report.providers.created : report.providers.replaced).push(name);
  }

  const ruleDeps = { ...deps, catalogue: deps.currentCatalogue() };
  for (const [name, definition] of Object.entries(document.routing_rules ?? {})) {
    const existing = await deps.store.getRoutingRule(name);
    if (existing?.source === "config") {
      report.routing_rules.skipped.push({ name, reason: "this instance's config file owns it" });
      continue;
    }
    if (existing !== undefined && isDeepStrictEqual(existing.definition, definition)) {
      report.routing_rules.unchanged.push(name);
      continue;
    }
    await routingRulesAdmin(adminCall("replace", name, { ...definition }, "routing_rules"), ruleDeps);
    (existing === undefined ? report.routing_rules.created : report.routing_rules.replaced).push(name);
  }

  for (const entry of document.keys ?? []) {
    const existing = await deps.store.findApiKeyByHash(entry.hash);
    const label = `${entry.name} (${entry.hash.slice(0, 15)}…)`;
    if (existing !== undefined && existing.revokedAt !== null) {
      report.keys.skipped.push({ name: label, reason: "revoked here; a revoked key stays revoked" });
      continue;
    }
    if (existing?.source === "config" || existing?.scope === "admin") {
      report.keys.skipped.push({
        name: label,
        reason: existing.scope === "admin" ? "an admin key" : "this instance's config file owns it",
      });
      continue;
    }
    const orgId = entry.org ?? "default";
    await ensureOrgAndProject(deps, orgId, entry.project ?? null);
    const saved = await deps.store.upsertApiKeyByHash({
      id: newKeyId(),
      orgId,
      projectId: entry.project ?? null,
      name: entry.name,
      hash: entry.hash,
      displayPrefix: existing?.displayPrefix ?? "(imported)",
      source: "admin",
      routingRule: entry.routing_rule ?? null,
      rpm: entry.rpm ?? null,
      tpm: entry.tpm ?? null,
      monthlyBudgetUsd: entry.monthly_budget_usd ?? null,
      expiresAt: entry.expires_at === undefined ? null : new Date(entry.expires_at),
    });
    const before = existing === undefined ? null : keyState(existing);
    const after = keyState(saved);
    if (before !== null && isDeepStrictEqual(before, after)) {
      report.keys.unchanged.push(label);
      continue;
    }
    await deps.audit({
      resource: "keys",
      verb: existing === undefined ? "create" : "update",
      resourceId: saved.id,
      before,
      after,
      detail: { via: "config_import" },
    });
    (existing === undefined ? report.keys.created : report.keys.replaced).push(label);
  }

  const after = (await liveDocument(deps)).document;
  await deps.audit({
    resource: "config",
    verb: "import",
    resourceId: "config",
    before,
    after,
    detail: {
      providers: report.providers.created.length + report.providers.replaced.length,
      routing_rules: report.routing_rules.created.length + report.routing_rules.replaced.length,
      keys: report.keys.created.length + report.keys.replaced.length,
    },
  });
  await deps.snapshot.reloadAfterWrite();
  return { status: 200, body: { object: "config_import", ...report } };
}

/** Why an import leaves a provider of the document alone, or undefined when it stores it. */
function providerSkip(
  name: string,
  entry: ProviderConfig,
  deps: ConfigAdminDependencies,
): string | undefined {
  if (deps.providers.isFixed(name)) return "this instance's environment or config file defines it";
  if (entry.enabled === false) return "enabled: false";
  if (entry.allow_link_local === true) return "allow_link_local is for config-file providers only";
  return undefined;
}

/** A document's provider as the body `PUT /admin/providers/{name}` takes. */
function providerBody(name: string, entry: ProviderConfig): ProviderBody {
  return {
    type: entry.type ?? name,
    base_url: entry.base_url ?? null,
    models: entry.models ?? null,
    ...(entry.api_key === undefined ? {} : { api_key: entry.api_key }),
  };
}

/**
 * The checks each provider and rule gets from its own route, run on all of them before the first
 * write, so a document one of them would refuse changes nothing. Rules are checked against the
 * catalogue as it will be: this instance's providers with the document's in place of the stored
 * ones of the same name.
 */
async function checkWrites(document: ConfigFile, deps: ConfigAdminDependencies): Promise<void> {
  const candidates: ProviderInstance[] = [];
  for (const [name, entry] of Object.entries(document.providers ?? {})) {
    if (providerSkip(name, entry, deps) !== undefined) continue;
    const keepsKey =
      entry.api_key === undefined && ((await deps.store.getProvider(name))?.sealedApiKey ?? null) !== null;
    candidates.push(
      within(`providers.${name}`, () => checkProvider(name, providerBody(name, entry), keepsKey, deps)),
    );
  }
  const replacedNames = new Set(candidates.map((candidate) => candidate.id));
  const catalogue = new ModelCatalogue(
    [
      ...deps.currentCatalogue().enabledProviders.filter((provider) => !replacedNames.has(provider.id)),
      ...candidates,
    ],
    deps.file.models ?? {},
  );
  for (const [name, definition] of Object.entries(document.routing_rules ?? {})) {
    if ((await deps.store.getRoutingRule(name))?.source === "config") continue;
    within(`routing_rules.${name}`, () => checkRuleBody({ ...definition }, name, catalogue));
  }
}

/** Runs a resource's own check, naming the document's path in what it refuses. */
function within<T>(prefix: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== "invalid_body") throw error;
    // "type: unknown …" becomes "providers.x.type: unknown …".
    const message = /^[\w.]+:/.test(error.message)
      ? `${prefix}.${error.message}`
      : `${prefix}: ${error.message}`;
    throw invalidBody(message, error.param === null ? prefix : `${prefix}.${error.param}`);
  }
}

const UNSET = "__floopy_unset_";

/** Refuses a variable that is not set anywhere the import would use it, naming it and its path. */
function checkReferences(document: ConfigFile, skippedProviders: readonly string[]): void {
  const visit = (value: unknown, path: string[]): void => {
    if (typeof value === "string") {
      const unset = value.indexOf(UNSET);
      if (unset >= 0) {
        const name = value.slice(unset + UNSET.length).split("__")[0];
        throw invalidBody(
          `${path.join(".")}: environment variable ${name} is not set on this gateway.`,
          path.join("."),
        );
      }
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, [...path, String(index)]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (path.length === 1 && path[0] === "providers" && skippedProviders.includes(key)) continue;
        visit(item, [...path, key]);
      }
    }
  };
  visit(document, []);
}

/** Every rule a key names must exist after the import: in the document, or in the store already. */
async function checkKeysRules(document: ConfigFile, deps: ConfigAdminDependencies): Promise<void> {
  const imported = new Set(Object.keys(document.routing_rules ?? {}));
  for (const [index, entry] of (document.keys ?? []).entries()) {
    const rule = entry.routing_rule;
    if (rule === undefined || imported.has(rule)) continue;
    if ((await deps.store.getRoutingRule(rule)) === undefined) {
      throw invalidBody(
        `keys.${index}.routing_rule: no routing rule named '${rule}' here or in the document.`,
        `keys.${index}.routing_rule`,
      );
    }
  }
}
