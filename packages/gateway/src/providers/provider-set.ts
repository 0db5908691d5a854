/**
 * The enabled providers as routing sees them: those from the environment and the config file,
 * fixed for the life of the process, and those stored through the admin API, replaced whenever
 * the control snapshot reloads (so a provider created on one instance is used by every instance
 * sharing the database within a poll). Requests read the current catalogues from memory; nothing
 * here touches the store.
 *
 * - A stored provider with the id of an environment or config-file provider is shadowed: the
 *   operator's environment and file win, and the caller warns.
 * - A stored provider for one org is in that org's catalogue only; the others resolve its
 *   `name/model` exactly as a provider that does not exist.
 * - The secrets used for redaction only grow: a credential replaced or deleted while a request
 *   that used it is still answering must still be scrubbed from that answer.
 */
import type { ModelConfig } from "../config/config-schema.js";
import { ModelCatalogue } from "./model-catalogue.js";
import type { ProviderInstance } from "./provider-instance.js";
import { type BoundAddress, findSelfLoop } from "./self-loop.js";

export interface ProviderSetOptions {
  /** From the environment, the config file and `--demo`. */
  fixed: readonly ProviderInstance[];
  /** The config file's `models` section. */
  aliases?: Readonly<Record<string, ModelConfig>>;
}

export interface StoredProvidersApplied {
  /** Stored providers newly hidden by an environment or config-file provider of the same id. */
  shadowed: string[];
  /** Stored providers newly left out because their base URL points back at this gateway. */
  looping: ProviderInstance[];
}

interface View {
  /** Every provider, whichever org may use it: lookups by id, routing-rule validation. */
  all: ModelCatalogue;
  /** What a key of an org without providers of its own (or no key) may use. */
  shared: ModelCatalogue;
  byOrg: ReadonlyMap<string, ModelCatalogue>;
}

export class ProviderSet {
  private view: View;
  private stored: readonly ProviderInstance[] = [];
  private shadowed = new Set<string>();
  private looping = new Set<ProviderInstance>();
  private secretList: readonly string[];
  private bound: BoundAddress | undefined;

  constructor(private readonly options: ProviderSetOptions) {
    this.view = this.build([]);
    this.secretList = credentials(options.fixed);
  }

  /** Every enabled provider (fixed first), including org-scoped ones. */
  get providers(): ProviderInstance[] {
    return this.view.all.enabledProviders;
  }

  /** Every provider, whichever org may use it: for lookups by id and validating rule targets. */
  get catalogue(): ModelCatalogue {
    return this.view.all;
  }

  /** The catalogue a key of `orgId` resolves models through. */
  catalogueFor(orgId: string | null): ModelCatalogue {
    return (orgId === null ? undefined : this.view.byOrg.get(orgId)) ?? this.view.shared;
  }

  /**
   * Every provider credential this process has used: the same array until a new one is added, so
   * redaction can prepare it once (`records/redact.ts`).
   */
  get secrets(): readonly string[] {
    return this.secretList;
  }

  /** The address the gateway listens on, known once bound: stored providers pointing at it are refused. */
  listening(bound: BoundAddress): void {
    this.bound = bound;
  }

  /** Why `candidate` could not be used here (its URL leads back to this gateway), or null. */
  problem(candidate: ProviderInstance): string | null {
    if (this.bound === undefined || findSelfLoop([candidate], this.bound) === undefined) return null;
    return `base_url: ${candidate.baseUrl} points back at this gateway (listening on port ${this.bound.port}); set it to the provider's own URL`;
  }

  /** The providers of the environment, the config file and `--demo`. */
  get fixed(): readonly ProviderInstance[] {
    return this.options.fixed;
  }

  /** Whether an environment or config-file provider has this id (a stored one would be shadowed). */
  isFixed(id: string): boolean {
    return this.options.fixed.some((provider) => provider.id === id);
  }

  /** Replaces the stored providers (all of them, as the snapshot now has them). */
  replaceStored(stored: readonly ProviderInstance[]): StoredProvidersApplied {
    const looping: ProviderInstance[] = [];
    const usable: ProviderInstance[] = [];
    const shadowed = new Set<string>();
    for (const provider of stored) {
      if (this.isFixed(provider.id)) shadowed.add(provider.id);
      else if (this.problem(provider) !== null) looping.push(provider);
      else usable.push(provider);
    }
    // Reported once, not again with every reload while nothing changed.
    const newlyShadowed = [...shadowed].filter((id) => !this.shadowed.has(id));
    const newlyLooping = looping.filter((provider) => !this.looping.has(provider));
    this.shadowed = shadowed;
    this.looping = new Set(looping);
    this.stored = usable;
    this.view = this.build(usable);
    const added = credentials(usable).filter((secret) => !this.secretList.includes(secret));
    if (added.length > 0) this.secretList = [...this.secretList, ...added];
    return { shadowed: newlyShadowed, looping: newlyLooping };
  }

  /** The stored providers in use now (not shadowed, not looping). */
  get storedProviders(): readonly ProviderInstance[] {
    return this.stored;
  }

  private build(stored: readonly ProviderInstance[]): View {
    const aliases = this.options.aliases ?? {};
    const shared = [...this.options.fixed, ...stored.filter((provider) => provider.orgId === null)];
    const orgs = new Map<string, ProviderInstance[]>();
    for (const provider of stored) {
      if (provider.orgId === null) continue;
      const list = orgs.get(provider.orgId) ?? [];
      list.push(provider);
      orgs.set(provider.orgId, list);
    }
    return {
      all: new ModelCatalogue([...this.options.fixed, ...stored], aliases),
      shared: new ModelCatalogue(shared, aliases),
      byOrg: new Map(
        [...orgs].map(([orgId, own]) => [orgId, new ModelCatalogue([...shared, ...own], aliases)]),
      ),
    };
  }
}

function credentials(providers: readonly ProviderInstance[]): string[] {
  return providers.map((provider) => provider.apiKey).filter((key): key is string => key !== null);
}
