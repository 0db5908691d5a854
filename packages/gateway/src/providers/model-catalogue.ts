/**
 * The model catalogue: turns a caller's model reference into a provider and upstream model name.
 * `provider/model` is always unambiguous; a bare name goes through config aliases, then the
 * configured models of each provider, then the declarations' patterns (`gpt-*` → openai).
 * Pure: built from the enabled providers and the config's `models` section.
 */
import type { ModelConfig } from "../config/config-schema.js";
import type { ProviderInstance } from "./provider-instance.js";
import { providerRegistry } from "./registry.js";

export interface ResolvedModel {
  provider: ProviderInstance;
  /** The model name sent upstream. */
  model: string;
}

export type ModelResolution =
  | { ok: true; value: ResolvedModel }
  | { ok: false; reason: "unknown_model" | "provider_not_enabled" | "unknown_provider"; message: string };

export interface CatalogueEntry {
  /** The name a caller sends: bare when the catalogue resolves it to this provider, else `provider/model`. */
  id: string;
  provider: string;
  model: string;
}

export class ModelCatalogue {
  private readonly providers: Map<string, ProviderInstance>;
  private readonly cache = new Map<string, ModelResolution>();

  constructor(
    providers: readonly ProviderInstance[],
    private readonly aliases: Readonly<Record<string, ModelConfig>> = {},
  ) {
    this.providers = new Map(providers.map((provider) => [provider.id, provider]));
  }

  get enabledProviders(): ProviderInstance[] {
    return [...this.providers.values()];
  }

  provider(id: string): ProviderInstance | undefined {
    return this.providers.get(id);
  }

  resolve(reference: string): ModelResolution {
    const cached = this.cache.get(reference);
    if (cached) return cached;
    const resolution = this.resolveUncached(reference, 0);
    // Callers send a handful of distinct names; bound the memo anyway so junk names cannot grow it.
    if (this.cache.size < 10_000) this.cache.set(reference, resolution);
    return resolution;
  }

  private resolveUncached(reference: string, depth: number): ModelResolution {
    const alias = this.aliases[reference]?.target;
    if (alias !== undefined && alias !== reference && depth < 4)
      return this.resolveUncached(alias, depth + 1);
    const slash = reference.indexOf("/");
    if (slash > 0) {
      const prefix = reference.slice(0, slash);
      const model = reference.slice(slash + 1);
      const provider = this.providers.get(prefix);
      if (provider && model !== "") return { ok: true, value: { provider, model } };
      if (Object.hasOwn(providerRegistry, prefix)) return notEnabled(reference, prefix);
    }
    for (const provider of this.providers.values()) {
      if (provider.models.includes(reference)) return { ok: true, value: { provider, model: reference } };
    }
    for (const provider of this.providers.values()) {
      if (provider.declaration.modelPatterns.some((pattern) => pattern.test(reference))) {
        return { ok: true, value: { provider, model: reference } };
      }
    }
    for (const declaration of Object.values(providerRegistry)) {
      if (declaration.modelPatterns.some((pattern) => pattern.test(reference)))
        return notEnabled(reference, declaration.id);
    }
    return {
      ok: false,
      reason: "unknown_model",
      message: `The model '${reference}' does not exist or is not served by any enabled provider. Use 'provider/model' to name a provider explicitly.`,
    };
  }

  /** Everything `GET /v1/models` lists. */
  list(): CatalogueEntry[] {
    const entries = new Map<string, CatalogueEntry>();
    for (const provider of this.providers.values()) {
      for (const model of new Set([...provider.models, ...provider.declaration.models])) {
        const qualified = `${provider.id}/${model}`;
        const bare = this.resolve(model);
        const id =
          bare.ok && bare.value.provider.id === provider.id && bare.value.model === model ? model : qualified;
        if (!entries.has(id)) entries.set(id, { id, provider: provider.id, model });
      }
    }
    for (const [alias, entry] of Object.entries(this.aliases)) {
      if (entry.target === undefined) continue;
      const resolved = this.resolve(alias);
      if (resolved.ok && !entries.has(alias)) {
        entries.set(alias, { id: alias, provider: resolved.value.provider.id, model: resolved.value.model });
      }
    }
    return [...entries.values()];
  }

  /** `GET /v1/models/{id}`: listed names, plus any reference that resolves. */
  find(id: string): CatalogueEntry | undefined {
    const listed = this.list().find((entry) => entry.id === id);
    if (listed) return listed;
    const resolved = this.resolve(id);
    return resolved.ok
      ? { id, provider: resolved.value.provider.id, model: resolved.value.model }
      : undefined;
  }
}

function notEnabled(reference: string, provider: string): ModelResolution {
  return {
    ok: false,
    reason: "provider_not_enabled",
    message: `The model '${reference}' is served by provider '${provider}', which is not enabled on this gateway.`,
  };
}
