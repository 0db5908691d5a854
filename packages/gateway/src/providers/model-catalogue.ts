/**
 * The model catalogue: turns a caller's model reference into a provider and upstream model name.
 * `provider/model` is always unambiguous; a bare name goes through config aliases, then the
 * configured models of each provider, then the declarations' patterns (`gpt-*` → openai).
 * Pure: built from the enabled providers and the config's `models` section; what the providers
 * report serving is handed in by the caller that asked them.
 */
import type { ModelConfig } from "../config/config-schema.js";
import type { ServedModel } from "./declaration.js";
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
  /** What the provider's model list said about it; null for catalogue and configured entries. */
  served: ServedModel | null;
}

/**
 * What each provider's model-list endpoint reported, by provider id; a provider absent (or null)
 * could not be listed, so its catalogue models stand in.
 */
export type ServedModels = ReadonlyMap<string, readonly ServedModel[] | null>;

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

  /**
   * Everything `GET /v1/models` lists: per provider, what it reported serving (or, when it could
   * not be listed, the catalogue's models), plus its configured models, then the aliases.
   */
  list(served: ServedModels = new Map()): CatalogueEntry[] {
    const entries = new Map<string, CatalogueEntry>();
    const add = (provider: ProviderInstance, model: string, info: ServedModel | null) => {
      const bare = this.resolve(model);
      const id =
        bare.ok && bare.value.provider.id === provider.id && bare.value.model === model
          ? model
          : `${provider.id}/${model}`;
      if (!entries.has(id)) entries.set(id, { id, provider: provider.id, model, served: info });
    };
    for (const provider of this.providers.values()) {
      const listed = served.get(provider.id);
      if (listed) for (const model of listed) add(provider, model.id, model);
      else for (const model of provider.declaration.models) add(provider, model, null);
      for (const model of provider.models) add(provider, model, null);
    }
    for (const [alias, entry] of Object.entries(this.aliases)) {
      if (entry.target === undefined) continue;
      const resolved = this.resolve(alias);
      if (resolved.ok && !entries.has(alias)) {
        const { provider, model } = resolved.value;
        const info = served.get(provider.id)?.find((candidate) => candidate.id === model) ?? null;
        entries.set(alias, { id: alias, provider: provider.id, model, served: info });
      }
    }
    return [...entries.values()];
  }

  /**
   * `GET /v1/models/{id}`: a listed name, or any reference that resolves to a model its provider
   * serves. A provider that was listed is taken at its word: a model it did not list is unknown.
   */
  find(id: string, served: ServedModels = new Map()): CatalogueEntry | undefined {
    const listed = this.list(served).find((entry) => entry.id === id);
    if (listed) return listed;
    const resolved = this.resolve(id);
    if (!resolved.ok) return undefined;
    const { provider, model } = resolved.value;
    const reported = served.get(provider.id);
    if (reported && !provider.models.includes(model)) {
      const info = reported.find((candidate) => candidate.id === model);
      return info ? { id, provider: provider.id, model, served: info } : undefined;
    }
    return { id, provider: provider.id, model, served: null };
  }
}

function notEnabled(reference: string, provider: string): ModelResolution {
  return {
    ok: false,
    reason: "provider_not_enabled",
    message: `The model '${reference}' is served by provider '${provider}', which is not enabled on this gateway.`,
  };
}
