/**
 * The admin API's providers: `/admin/providers[/{name}]`. A provider stored here is routed to
 * exactly like one from the environment or the config file (`<name>/<model>`, the catalogue, rules)
 * by this instance at once and by every instance sharing the database within one control poll.
 * Its credential is write-only: sealed under the master key before it is stored, never answered,
 * logged or exported (an answer says only `has_api_key`). Mutations need
 * `X-Floopy-Confirm: providers`, since they change live routing.
 */
import { z } from "zod";
import { ConfigError } from "../config/config-error.js";
import type { ControlSnapshot } from "../control/control-snapshot.js";
import { GatewayError } from "../errors/gateway-error.js";
import { hasControlCharacter } from "../pipeline/control-characters.js";
import type { AuditChange } from "../protocol/floopy-api/audit-entry.js";
import { storedProviderInstance, storedProviderTypes } from "../providers/provider-instance.js";
import type { ProviderSet } from "../providers/provider-set.js";
import { parseRuleDefinition } from "../routing/rule-definitions.js";
import type { ControlStore, ProviderRecord } from "../store/types.js";
import { type AdminAnswer, listPage } from "./admin-request.js";
import { type AdminCall, requireConfirmation } from "./routing-rules.js";

export interface ProvidersAdminDependencies {
  store: ControlStore;
  snapshot: ControlSnapshot;
  providers: ProviderSet;
  /** Seals a credential under the master key. */
  seal: (plaintext: string) => string;
  cursorSecret: Buffer;
  /** Appends a change to the audit log (hashes of the public object: never the credential). */
  audit: (change: AuditChange) => Promise<void>;
}

const CONFIRM = "providers";
/** Lowercase like a config-file provider id; no `/`, which separates it from the model. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const ORG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Shorter credentials could not be told from ordinary text when answers are scrubbed of them. */
const MIN_KEY_LENGTH = 8;

// Messages never quote a value: the body holds a credential.
export const providerBodySchema = z.strictObject({
  name: z.string().optional(),
  type: z.string({ error: "required; a provider type" }),
  base_url: z.string().nullable().optional(),
  api_key: z.string({ error: "must be a string" }).optional(),
  models: z.array(z.string().min(1).max(200)).max(1000).nullable().optional(),
  org: z.string().nullable().optional(),
});

export type ProviderBody = z.infer<typeof providerBodySchema>;

export async function providersAdmin(
  call: AdminCall,
  deps: ProvidersAdminDependencies,
): Promise<AdminAnswer> {
  const key = call.key;
  if (key === null || key.scope !== "admin") {
    throw new GatewayError("FORBIDDEN", "Admin routes need an admin key.");
  }
  const audit = (
    verb: string,
    name: string,
    before: ProviderRecord | null | undefined,
    after: ProviderRecord | null,
    detail: Record<string, unknown>,
  ) =>
    deps.audit({
      resource: "providers",
      verb,
      resourceId: name,
      before: before ? auditedProvider(before) : null,
      after: after ? auditedProvider(after) : null,
      detail,
    });
  switch (call.action) {
    case "list":
      return listProviders(call, deps);
    case "get": {
      const provider = await deps.store.getProvider(call.name ?? "");
      if (!provider) throw notFound(call.name ?? "");
      return { status: 200, body: providerObject(provider, deps.providers) };
    }
    case "create": {
      requireConfirmation(call, CONFIRM, "providers");
      const body = validBody(call.body);
      const name = checkName(body.name);
      const saved = await deps.store.saveProvider({
        ...(await checkedFields(name, body, null, deps)),
        mode: "create",
      });
      if (saved.outcome === "created") await audit("create", name, null, saved.provider, {});
      if (saved.outcome !== "created") {
        throw new GatewayError(
          "CONFLICT",
          `A provider named '${name}' already exists; use PUT to replace it.`,
        );
      }
      await deps.snapshot.reloadAfterWrite();
      return { status: 201, body: providerObject(saved.provider, deps.providers) };
    }
    case "replace": {
      requireConfirmation(call, CONFIRM, "providers");
      const name = checkName(call.name);
      const body = validBody(call.body);
      if (body.name !== undefined && body.name !== name) {
        throw invalidBody(`name: the body names another provider than the path ('${name}').`, "name");
      }
      const existing = await deps.store.getProvider(name);
      const saved = await deps.store.saveProvider({
        ...(await checkedFields(name, body, existing ?? null, deps)),
        mode: "upsert",
      });
      await audit(saved.outcome === "created" ? "create" : "replace", name, existing, saved.provider, {
        api_key_changed: body.api_key !== undefined,
      });
      await deps.snapshot.reloadAfterWrite();
      return {
        status: saved.outcome === "created" ? 201 : 200,
        body: providerObject(saved.provider, deps.providers),
      };
    }
    case "delete": {
      requireConfirmation(call, CONFIRM, "providers");
      const name = call.name ?? "";
      const naming = await rulesNaming(deps.store, name);
      if (naming.length > 0) {
        throw new GatewayError(
          "CONFLICT",
          `The provider '${name}' is a target of the routing rule(s) ${naming.join(", ")}; change them first.`,
        );
      }
      const existing = await deps.store.getProvider(name);
      const deleted = await deps.store.deleteProvider(name);
      if (!deleted) throw notFound(name);
      await audit("delete", name, existing, null, {});
      await deps.snapshot.reloadAfterWrite();
      return { status: 204 };
    }
  }
}

async function listProviders(call: AdminCall, deps: ProvidersAdminDependencies): Promise<AdminAnswer> {
  // Providers are few: paged over the whole list, by name, like every other admin list.
  const providers = await deps.store.listProviders();
  return {
    status: 200,
    body: listPage(
      providers,
      call.query,
      deps.cursorSecret,
      (provider) => [0, provider.name],
      (provider) => providerObject(provider, deps.providers),
    ),
  };
}

function validBody(body: unknown): ProviderBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidBody("The body must be a JSON object: {name, type, base_url?, api_key, models?, org?}.");
  }
  const parsed = providerBodySchema.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const unknown = issue?.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    if (unknown !== undefined) {
      throw invalidBody(
        `${unknown}: unknown field (a provider has name, type, base_url, api_key, models, org).`,
        unknown,
      );
    }
    const path = issue?.path.join(".") ?? "";
    throw invalidBody(`${path || "body"}: ${issue?.message ?? "invalid"}`, path);
  }
  return parsed.data;
}

function checkName(name: string | undefined): string {
  if (name === undefined || !NAME_PATTERN.test(name)) {
    throw invalidBody(
      "name: required; 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.",
      "name",
    );
  }
  return name;
}

/**
 * The fields to store, after every check a config-file provider gets (the same function builds
 * the instance routing will use) and the ones only a running gateway can make: a base URL
 * leading back to this gateway, a name an environment or config-file provider already has.
 * A replace without `api_key` keeps the stored credential.
 */
async function checkedFields(
  name: string,
  body: ProviderBody,
  existing: ProviderRecord | null,
  deps: ProvidersAdminDependencies,
) {
  const apiKey = body.api_key;
  const keptSealed = apiKey === undefined ? (existing?.sealedApiKey ?? null) : null;
  checkProvider(name, body, keptSealed !== null, deps);
  const models = body.models ?? null;
  const orgId = body.org ?? null;
  // An org named here is created if absent, as the config file and the CLI do.
  if (orgId !== null) await deps.store.ensureOrg({ id: orgId, name: orgId });
  return {
    name,
    type: body.type,
    baseUrl: body.base_url ?? null,
    models,
    orgId,
    sealedApiKey: apiKey === undefined ? keptSealed : deps.seal(apiKey),
    source: "admin" as const,
  };
}

/**
 * The checks of a provider body that write nothing (`invalid_body` or `CONFLICT`), so a config
 * import can run them on every provider before it stores the first. `keepsKey`: a credential is
 * already stored and the body has none.
 */
export function checkProvider(
  name: string,
  body: ProviderBody,
  keepsKey: boolean,
  deps: Pick<ProvidersAdminDependencies, "providers">,
): ReturnType<typeof storedProviderInstance> {
  checkName(name);
  if (!storedProviderTypes().some((type) => type === body.type)) {
    throw invalidBody(`type: unknown provider type (known: ${storedProviderTypes().join(", ")}).`, "type");
  }
  const apiKey = body.api_key;
  if (
    apiKey !== undefined &&
    (apiKey.length < MIN_KEY_LENGTH || apiKey.length > 4096 || hasControlCharacter(apiKey))
  ) {
    throw invalidBody(
      `api_key: ${MIN_KEY_LENGTH} to 4096 characters, without control characters.`,
      "api_key",
    );
  }
  const models = body.models ?? null;
  for (const [index, model] of (models ?? []).entries()) {
    // A model is echoed in Floopy-Model and sent upstream: no control characters.
    if (hasControlCharacter(model)) {
      throw invalidBody(`models.${index}: it contains a control character.`, `models.${index}`);
    }
  }
  const orgId = body.org ?? null;
  if (orgId !== null && !ORG_PATTERN.test(orgId)) {
    throw invalidBody(
      "org: 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.",
      "org",
    );
  }
  if (deps.providers.isFixed(name)) {
    throw new GatewayError(
      "CONFLICT",
      `The provider '${name}' comes from this gateway's environment or config file, which wins over a stored one; choose another name.`,
    );
  }
  let candidate: ReturnType<typeof storedProviderInstance>;
  try {
    candidate = storedProviderInstance({
      name,
      type: body.type,
      baseUrl: body.base_url ?? null,
      models,
      orgId,
      // Only whether there is one matters to the checks; the kept one stays sealed.
      apiKey: apiKey ?? (keepsKey ? "kept" : null),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const field = /^([a-z_]+):/.exec(error.message)?.[1];
    throw invalidBody(`${error.message}.`, field);
  }
  const problem = deps.providers.problem(candidate);
  if (problem !== null) throw invalidBody(`${problem}.`, "base_url");
  return candidate;
}

/** Stored rules (the config file's included) with a target `<name>/…`. */
async function rulesNaming(store: ControlStore, name: string): Promise<string[]> {
  const rules = await store.listRoutingRules();
  return rules
    .filter((rule) => {
      const parsed = parseRuleDefinition(rule.definition);
      return parsed.ok && parsed.definition.targets.some((target) => target.model.startsWith(`${name}/`));
    })
    .map((rule) => rule.name);
}

/** What the audit log hashes: the stored fields but the sealed credential (sealing is randomised). */
function auditedProvider(provider: ProviderRecord) {
  const { sealedApiKey: _sealed, createdAt: _created, updatedAt: _updated, ...rest } = provider;
  return rest;
}

function providerObject(provider: ProviderRecord, providers: ProviderSet) {
  return {
    object: "provider",
    id: provider.name,
    name: provider.name,
    type: provider.type,
    base_url: provider.baseUrl,
    models: provider.models ?? [],
    org: provider.orgId,
    source: provider.source,
    // The credential itself is never answered, nor any part of it.
    has_api_key: provider.sealedApiKey !== null,
    // Whether this instance routes to it (not when shadowed, looping or not unsealed here).
    enabled: providers.storedProviders.some((instance) => instance.id === provider.name),
    created_at: provider.createdAt.toISOString(),
    updated_at: provider.updatedAt.toISOString(),
  };
}

function invalidBody(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_body", message, param === undefined || param === "" ? {} : { param });
}

function notFound(name: string): GatewayError {
  return new GatewayError("not_found", `There is no provider named '${name}'.`);
}
