/**
 * What stages may use: built once by the composition root (`gateway.ts`), read-only on the hot path.
 * The one part that changes is the provider set, which the composition root swaps when the control
 * snapshot brings new stored providers (never mid-lookup: each swap replaces whole catalogues).
 */
import type { Logger } from "pino";
import type { ConfigFile } from "../config/config-schema.js";
import type { Settings } from "../config/settings.js";
import type { ControlSnapshot } from "../control/control-snapshot.js";
import type { OrgLimits } from "../limits/limit-plan.js";
import type { PriceBook } from "../limits/pricing.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { ProviderSet } from "../providers/provider-set.js";
import type { RecordQueue } from "../records/record-queue.js";
import type { BreakerBook } from "../routing/breaker-book.js";
import type { FeedbackSync } from "../routing/feedback-sync.js";
import type { TargetStatisticsBook } from "../routing/target-stats.js";
import type { SharedState } from "../store/shared-state.js";
import type { RequestLogRecord, Stores } from "../store/types.js";
import type { ImageFetcher } from "../upstream/image-fetcher.js";
import type { UpstreamClient } from "../upstream/upstream-client.js";
import type { InFlightRequests } from "./in-flight.js";
import type { ModelDirectory } from "./model-directory.js";

export interface GatewayServices {
  settings: Settings;
  /** The config file and environment this process runs with (config export and import read them). */
  config: {
    file: ConfigFile;
    env: Readonly<Record<string, string | undefined>>;
    /** The file's fields written as `${VAR}` references (the export gives them back as written). */
    templates: Readonly<Record<string, string>>;
  };
  snapshot: ControlSnapshot;
  /**
   * The enabled providers and their catalogues: `catalogueFor(key's org)` resolves a request's
   * models; `catalogue` holds every provider (lookups by id, rule validation).
   */
  providers: ProviderSet;
  /** What the enabled providers report serving (their model lists, cached), for the model routes. */
  models: ModelDirectory;
  prices: PriceBook;
  /** Rate-limit and budget counters and change notifications: memory, or Redis for a fleet. */
  sharedState: SharedState;
  /** The config file's `limits:`, applied to each org on its own. */
  orgLimits: OrgLimits;
  upstream: UpstreamClient;
  /**
   * For Floopy's own API: decisions are read from the events store (request records are written
   * through the queue, never from the hot path); the admin API reads and writes the control store.
   */
  stores: Pick<Stores, "events" | "control" | "sessions" | "prompts" | "experiments" | "evaluations">;
  /** Fetches caller-given image URLs for providers that take only inline bytes (SSRF-guarded). */
  images: ImageFetcher;
  records: RecordQueue<RequestLogRecord>;
  metrics: GatewayMetrics;
  logger: Logger;
  /**
   * Every provider credential, so redaction can remove them from anything recorded or returned
   * (`providers.secrets`: the stored providers' too, as they are unsealed).
   */
  secrets: readonly string[];
  /** Seals a provider credential under the master key: the admin API stores only this. */
  seal: (plaintext: string) => string;
  /** Per-target circuit breakers and moving statistics, fed by dispatch. */
  breakers: BreakerBook;
  targetStats: TargetStatisticsBook;
  /** Executes evaluation runs in the background (and resumes interrupted ones). */
  evaluations: { submit(): void; cancel(runId: string): void };
  /** Brings every instance's feedback into `targetStats`. */
  feedbackSync: FeedbackSync;
  /** Requests routed so far per rule (round robin's position). */
  ruleSequence: Map<string, number>;
  random: () => number;
  /** Epoch ms: what the cache's and the firewall's entries expire by (injectable in tests). */
  clock: () => number;
  /** Signs the cursors of Floopy's own API lists (derived from the master key, so every instance agrees). */
  cursorSecret: Buffer;
  /** This process's instance id: names it in `floopy-hop`, so a request loop is recognised. */
  instanceId: string;
  /** Requests not yet through their after-response stages (graceful stop waits for them). */
  inFlight: InFlightRequests;
}
