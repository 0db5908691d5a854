/**
 * The in-memory snapshot of the control plane the hot path reads (no database round trip per
 * request): keys by hash, routing rules, and orgs' constraints. Rebuilt when the store's control version moves: polled on an interval, so a key
 * created or revoked by `floopy keys` in another process, or by another instance sharing the
 * database, takes effect here within one poll interval. A write made through this instance's admin
 * API reloads at once (`reloadAfterWrite`).
 *
 * Stored providers are held still sealed; `onLoad` hands each new snapshot to the composition
 * root, which unseals and swaps in the providers routing uses (control/stored-providers.ts).
 */
import type { Logger } from "pino";
import type { RoutingRule } from "../routing/router.js";
import { parseRuleDefinition, ruleFromDefinition } from "../routing/rule-definitions.js";
import type {
  ApiKeyRecord,
  ControlStore,
  ExperimentRecord,
  ExperimentStore,
  OrgConstraints,
  OrgPlan,
  PlanRecord,
  PromptRecord,
  PromptStore,
  PromptVersionRecord,
  ProviderRecord,
  RoutingRuleRecord,
} from "../store/types.js";
import { type FeatureAccess, featureAccess } from "./feature-access.js";
import type { PlanFeature } from "./plan-features.js";

export interface ControlSnapshotData {
  version: number;
  keysByHash: ReadonlyMap<string, ApiKeyRecord>;
  rules: ReadonlyMap<string, RoutingRule>;
  /** Orgs' own constraints (`PUT /v1/constraints`) by org id; an org without a row has none. */
  constraintsByOrg: ReadonlyMap<string, OrgConstraints>;
  /** Providers created through the admin API, credentials still sealed. */
  providers: readonly ProviderRecord[];
  /** Plans by id. */
  plans: ReadonlyMap<string, PlanRecord>;
  /** Orgs' plan and subscription expiry by org id; an org without an entry is on the default plan. */
  orgPlans: ReadonlyMap<string, OrgPlan>;
  /** The prompt library by prompt id, every version: the prompt stage reads no database. */
  prompts: ReadonlyMap<string, SnapshotPrompt>;
  /** Active experiments by `experimentKey(org, variant A rule)`. */
  experiments: ReadonlyMap<string, ExperimentRecord>;
}

export interface SnapshotPrompt {
  prompt: PromptRecord;
  versions: ReadonlyMap<number, PromptVersionRecord>;
}

export function experimentKey(orgId: string, rule: string): string {
  return `${orgId}\u0000${rule}`;
}

export interface ControlSnapshotOptions {
  store: ControlStore;
  pollMs: number;
  logger: Logger;
  onReloadError?: (error: unknown) => void;
  /**
   * Tells the other instances a write happened (Redis pub/sub in a fleet), so they reload now
   * rather than at their next poll. A failure is theirs to cover: the poll still runs.
   */
  notifyOthers?: () => Promise<void>;
  /** The prompt library and experiments; without them the snapshot holds none (tools that never route). */
  library?: {
    prompts: Pick<PromptStore, "loadPromptLibrary">;
    experiments: Pick<ExperimentStore, "listActiveExperiments">;
  };
  /** Called with every snapshot loaded, before it serves (must not throw). */
  onLoad?: (data: ControlSnapshotData) => void;
}

export class ControlSnapshot {
  private data: ControlSnapshotData = {
    version: -1,
    keysByHash: new Map(),
    rules: new Map(),
    constraintsByOrg: new Map(),
    providers: [],
    plans: new Map(),
    orgPlans: new Map(),
    prompts: new Map(),
    experiments: new Map(),
  };
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private refreshAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 0;

  constructor(private readonly options: ControlSnapshotOptions) {}

  get current(): ControlSnapshotData {
    return this.data;
  }

  keyByHash(hash: string): ApiKeyRecord | undefined {
    return this.data.keysByHash.get(hash);
  }

  /** A key by its id (background work acts for the key that asked for it). */
  keyById(id: string): ApiKeyRecord | undefined {
    for (const key of this.data.keysByHash.values()) if (key.id === id) return key;
    return undefined;
  }

  rule(name: string): RoutingRule | undefined {
    return this.data.rules.get(name);
  }

  /** One org's constraints; undefined when the org has set none. */
  constraints(orgId: string): OrgConstraints | undefined {
    return this.data.constraintsByOrg.get(orgId);
  }

  /** One org's prompt (another org's is as absent as a missing one). */
  prompt(orgId: string, promptId: string): SnapshotPrompt | undefined {
    const entry = this.data.prompts.get(promptId);
    return entry?.prompt.orgId === orgId ? entry : undefined;
  }

  /** The org's active experiment on a variant A rule, if any. */
  experiment(orgId: string, rule: string): ExperimentRecord | undefined {
    return this.data.experiments.get(experimentKey(orgId, rule));
  }

  /** Whether the org's plan includes the feature now (see feature-access.ts). */
  featureAllowed(orgId: string, feature: PlanFeature, now: Date): FeatureAccess {
    return featureAccess(this.data.plans, this.data.orgPlans, orgId, feature, now);
  }

  async load(): Promise<void> {
    const { store } = this.options;
    const version = await store.controlVersion();
    const library = this.options.library;
    const [keys, rules, constraints, providers, plans, orgPlans, promptLibrary, experiments] =
      await Promise.all([
        store.listApiKeys(),
        store.listRoutingRules(),
        store.listConstraints(),
        store.listProviders(),
        store.listPlans(),
        store.listOrgPlans(),
        library?.prompts.loadPromptLibrary() ?? { prompts: [], versions: [] },
        library?.experiments.listActiveExperiments() ?? [],
      ]);
    const data = {
      version,
      keysByHash: new Map(keys.map((key) => [key.hash, key])),
      rules: this.routingRules(rules),
      constraintsByOrg: new Map(constraints.map((entry) => [entry.orgId, entry])),
      providers,
      plans: new Map(plans.map((plan) => [plan.id, plan])),
      orgPlans: new Map(orgPlans.map((entry) => [entry.orgId, entry])),
      prompts: promptsById(promptLibrary.prompts, promptLibrary.versions),
      experiments: new Map(
        experiments.map((experiment) => [
          experimentKey(experiment.orgId, experiment.variantARule),
          experiment,
        ]),
      ),
    };
    this.options.onLoad?.(data);
    this.data = data;
  }

  /**
   * After a write through this instance: reload now, so the caller's next request sees the
   * change. A poll already under way may have read the version before the write, so wait it out
   * and refresh once more.
   */
  async reloadAfterWrite(): Promise<void> {
    if (this.reloading) await this.reloading;
    await this.refresh();
    await this.options.notifyOthers?.().catch((error: unknown) => {
      this.options.logger.warn(
        { err: error },
        "could not notify other instances of a control change; they reload at their next poll",
      );
    });
  }

  /** Every rule was validated when written; one edited by hand into something invalid is skipped, loudly. */
  private routingRules(records: readonly RoutingRuleRecord[]): Map<string, RoutingRule> {
    const rules = new Map<string, RoutingRule>();
    for (const record of records) {
      const parsed = parseRuleDefinition(record.definition);
      if (parsed.ok) rules.set(record.name, ruleFromDefinition(record.name, parsed.definition));
      else
        this.options.logger.error(
          { rule: record.name, issues: parsed.issues },
          "stored routing rule is invalid; skipped",
        );
    }
    return rules;
  }

  /**
   * Reloads when the stored version moved; a store failure keeps serving the last good snapshot.
   * A refresh asked for while one runs is not dropped: that one may have read the version before
   * the write it is told about, so it runs once more when the first is done.
   */
  async refresh(): Promise<void> {
    if (this.reloading) {
      this.refreshAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.refreshAgain = false;
          const version = await this.options.store.controlVersion();
          if (version !== this.data.version) {
            await this.load();
            this.options.logger.debug({ version }, "control snapshot reloaded");
          }
        } while (this.refreshAgain);
        this.retryMs = 0;
      } catch (error) {
        this.options.onReloadError?.(error);
        this.options.logger.warn(
          { err: error },
          "control snapshot refresh failed; serving the last snapshot",
        );
        this.retrySoon();
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  /**
   * A refresh that failed was asked for by a change (a notification) or a poll: try again soon,
   * backing off to the poll interval, rather than serve the stale snapshot until the next poll.
   */
  private retrySoon(): void {
    if (this.retryTimer) return;
    this.retryMs = Math.min(this.options.pollMs, Math.max(100, this.retryMs * 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  startPolling(): void {
    this.timer = setInterval(() => void this.refresh(), this.options.pollMs);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

function promptsById(
  prompts: readonly PromptRecord[],
  versions: readonly PromptVersionRecord[],
): Map<string, SnapshotPrompt> {
  const byId = new Map<string, { prompt: PromptRecord; versions: Map<number, PromptVersionRecord> }>();
  for (const prompt of prompts) byId.set(prompt.id, { prompt, versions: new Map() });
  for (const version of versions) byId.get(version.promptId)?.versions.set(version.version, version);
  return byId;
}
