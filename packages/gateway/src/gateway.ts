/**
 * The composition root: opens the stores, loads the control snapshot, builds the services and the
 * HTTP server, and owns graceful shutdown (stop accepting, let in-flight requests finish within
 * the grace period, flush the record queue, close the stores).
 *
 * A start that fails changes nothing shared: everything that can refuse (the config file against
 * the store, the admin key, the port) is checked or bound first, and only then are config-owned
 * rules and keys, bootstrap keys and the admin key written. Requests that reach the bound port
 * meanwhile wait (`holdRequests`) until the snapshot is loaded.
 */
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { ConfigError } from "./config/config-error.js";
import type { LoadedConfig } from "./config/load-config.js";
import { bootstrapKeys } from "./control/bootstrap-keys.js";
import { checkStartup, planStartup } from "./control/check-startup.js";
import { removeStaleConfigRules, saveConfigRules } from "./control/config-rules.js";
import { ControlSnapshot } from "./control/control-snapshot.js";
import { loadMasterKey, seal } from "./control/master-key.js";
import { StoredProviders } from "./control/stored-providers.js";
import { type MockUpstream, startMockUpstream } from "./demo/mock-upstream.js";
import { EvaluationRunner } from "./evaluations/evaluation-runner.js";
import { trackConnections } from "./http/connection-tracker.js";
import { holdRequests } from "./http/hold-requests.js";
import { buildServer } from "./http/server.js";
import { PriceBook } from "./limits/pricing.js";
import { seedMonthlySpend } from "./limits/seed-spend.js";
import { createLogger } from "./observability/logger.js";
import { GatewayMetrics } from "./observability/metrics.js";
import { ThrottledWarning } from "./observability/throttled-warning.js";
import { InFlightRequests } from "./pipeline/in-flight.js";
import { ModelDirectory } from "./pipeline/model-directory.js";
import type { GatewayServices } from "./pipeline/services.js";
import { demoProvider, resolveProviders } from "./providers/provider-instance.js";
import { ProviderSet } from "./providers/provider-set.js";
import { findSelfLoop } from "./providers/self-loop.js";
import { InstanceMarker } from "./records/instance-marker.js";
import { RecordQueue } from "./records/record-queue.js";
import { BreakerBook } from "./routing/breaker-book.js";
import { FeedbackSync } from "./routing/feedback-sync.js";
import { TargetStatisticsBook } from "./routing/target-stats.js";
import { openSharedState } from "./store/open-shared-state.js";
import { openStores } from "./store/open-stores.js";
import type { SharedState } from "./store/shared-state.js";
import { isStoreUnreachable } from "./store/store-unreachable.js";
import type { ProviderRecord, RequestLogRecord, Stores } from "./store/types.js";
import { ImageFetcher } from "./upstream/image-fetcher.js";
import { UpstreamClient } from "./upstream/upstream-client.js";

export interface StartGatewayOptions {
  config: LoadedConfig;
  logger?: Logger;
  /**
   * Called with a key generated on the very first start (no key existed), which must be shown
   * once, and the URL the gateway listens on.
   */
  onGeneratedKey?: (key: string, url: string) => void;
  /** Wall-clock time in epoch ms for the cache's and the firewall's TTLs (tests move it on). */
  clock?: () => number;
}

export interface Gateway {
  url: string;
  port: number;
  services: GatewayServices;
  stores: Stores;
  /** Seals the credentials of providers stored through the admin API; signs list cursors. */
  masterKey: Buffer;
  close(): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const { config } = options;
  const { settings } = config;
  const logger = options.logger ?? createLogger(config.env);
  const providers = resolveProviders(config.file.providers, config.env);
  const masterKey = loadMasterKey({
    fromEnv: settings.masterKey,
    dataDir: settings.dataDir,
    distributed: settings.databaseUrl !== undefined,
  });
  if (masterKey.generatedAt !== null) {
    logger.warn(
      { path: masterKey.generatedAt },
      "generated a master key: it seals the credentials of providers created through the admin API, so keep it with the database (without it they cannot be read); set FLOOPY_MASTER_KEY to manage it yourself (docs/secrets.md)",
    );
  }
  const stores = await openStores({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  let demo: MockUpstream | null = null;
  let sharedState: SharedState | undefined;
  try {
    if (settings.demo) {
      demo = await startMockUpstream();
      providers.push(demoProvider(demo.baseUrl));
      logger.warn(
        { models: ["mock/echo", "mock/fail-503", "mock/slow-1500", "mock/flaky-50"] },
        "DEMO MODE: the built-in demo provider is enabled; its answers are canned, not a model's",
      );
    }
    // Providers from the store join the environment's and the file's; they are read again with
    // every snapshot, so one created through the admin API reaches every instance within a poll.
    const storedProviders = new StoredProviders({ masterKey: masterKey.key, logger });
    const providerSet = new ProviderSet({ fixed: providers, aliases: config.file.models ?? {} });
    const applyStoredProviders = (records: readonly ProviderRecord[]) => {
      const applied = providerSet.replaceStored(storedProviders.instances(records));
      for (const id of applied.shadowed) {
        logger.warn(
          { provider: id },
          `the stored provider '${id}' is shadowed by the provider '${id}' from the environment or the config file, which wins; rename or delete one of them`,
        );
      }
      for (const looping of applied.looping) {
        logger.error(
          { provider: looping.id, baseUrl: looping.baseUrl },
          `the stored provider '${looping.id}' points back at this gateway (${looping.baseUrl}); skipped`,
        );
      }
    };
    // Before the start's checks, so config-file rules may name stored providers.
    applyStoredProviders(await stores.control.listProviders());
    // The same checks `floopy config validate` runs (control/check-startup.ts).
    const plan = planStartup(config, providerSet.providers);
    const { fileOwnsConfig, keyOptions } = plan;
    const configRules = { ...plan.configRules, logger };
    await checkStartup(stores.control, plan);
    const metrics = new GatewayMetrics();
    const shared = await openSharedState({
      redisUrl: settings.redisUrl,
      logger,
      ...(config.file.cache?.max_bytes === undefined ? {} : { listBytes: config.file.cache.max_bytes }),
      onDegraded: (degraded) => metrics.sharedStateDegraded.set(degraded ? 1 : 0),
      onFallback: () => metrics.sharedStateFallbacks.inc(),
    });
    sharedState = shared;
    const snapshot = new ControlSnapshot({
      store: stores.control,
      library: { prompts: stores.prompts, experiments: stores.experiments },
      pollMs: settings.controlPollMs,
      logger,
      onReloadError: () => metrics.storeErrors.inc({ store: "control", operation: "snapshot_reload" }),
      notifyOthers: () => shared.notifier.publish("control"),
      onLoad: (data) => applyStoredProviders(data.providers),
    });
    const dropWarnings = new ThrottledWarning(logger, "request records dropped", 10_000);
    // During an outage every flush fails: one line per interval, not one per flush.
    const writeWarnings = new ThrottledWarning(
      logger,
      "writing request records failed; they stay queued while the store is unreachable (up to record_queue_capacity), other failures are retried once",
      10_000,
    );
    const marker = new InstanceMarker({
      store: stores.events,
      heartbeatMs: Math.max(10_000, settings.recordFlushIntervalMs),
      staleAfterMs: Math.max(60_000, 10 * settings.recordFlushIntervalMs),
      onWriteError: () => metrics.storeErrors.inc({ store: "events", operation: "save_gateway_instance" }),
    });
    const records = new RecordQueue<RequestLogRecord>({
      capacity: settings.recordQueueCapacity,
      flushIntervalMs: settings.recordFlushIntervalMs,
      write: async (batch) => {
        await stores.events.insertRequestLogs(batch);
        metrics.recordsWritten.inc(batch.length);
      },
      onDrop: (count, reason) => {
        metrics.recordsDropped.inc({ reason }, count);
        dropWarnings.note(count, reason);
      },
      isUnreachable: isStoreUnreachable,
      onWriteError: (error) => {
        metrics.storeErrors.inc({ store: "events", operation: "insert_request_logs" });
        writeWarnings.note(1, isStoreUnreachable(error) ? "store_unreachable" : "write_failed");
      },
      onFlushed: (upTo, written) => marker.noteFlushed(upTo, written),
    });
    const upstream = new UpstreamClient({
      connectTimeoutMs: settings.upstreamConnectTimeoutMs,
      firstByteTimeoutMs: settings.upstreamFirstByteTimeoutMs,
      idleTimeoutMs: settings.upstreamIdleTimeoutMs,
    });
    const images = new ImageFetcher({
      maxBytes: settings.imageFetchMaxBytes,
      timeoutMs: settings.imageFetchTimeoutMs,
    });
    // Every instance names its config's properties; each writes the table's whole list, reloaded
    // at every control poll, so one instance naming a property is enough for the fleet.
    await stores.events.ensureRollupProperties(config.file.usage?.rollup_properties ?? []);
    const rollupReload = setInterval(() => {
      stores.events.reloadRollupProperties().catch((error: unknown) => {
        logger.warn({ err: error }, "reloading the usage rollup's properties failed; keeping the list");
      });
    }, settings.controlPollMs);
    rollupReload.unref();
    const targetStats = new TargetStatisticsBook();
    const services: GatewayServices = {
      settings,
      config: { file: config.file, env: config.env, templates: config.templates },
      images,
      snapshot,
      providers: providerSet,
      models: new ModelDirectory({
        upstream,
        ttlMs: settings.modelListTtlMs,
        waitMs: settings.modelListTimeoutMs,
        logger,
        instanceId: marker.id,
      }),
      prices: new PriceBook(config.file.models ?? {}),
      sharedState: shared,
      orgLimits: {
        rpm: config.file.limits?.org_rpm ?? null,
        tpm: config.file.limits?.org_tpm ?? null,
        monthlyBudgetUsd: config.file.limits?.org_monthly_budget_usd ?? null,
      },
      upstream,
      stores,
      records,
      metrics,
      logger,
      inFlight: new InFlightRequests(),
      breakers: new BreakerBook({
        windowMs: settings.breakerWindowMs,
        minimumRequests: settings.breakerMinRequests,
        failureRateThreshold: settings.breakerFailurePercent / 100,
        coolDownMs: settings.breakerCooldownMs,
        halfOpenProbes: 1,
      }),
      targetStats,
      feedbackSync: new FeedbackSync({
        store: stores.sessions,
        stats: targetStats,
        pollMs: settings.controlPollMs,
        logger,
      }),
      // Replaced by the runner below, which needs the services it is part of.
      evaluations: { submit: () => undefined, cancel: () => undefined },
      ruleSequence: new Map(),
      random: Math.random,
      clock: options.clock ?? Date.now,
      instanceId: marker.id,
      cursorSecret: createHmac("sha256", masterKey.key).update("floopy list cursors v1").digest(),
      // A getter: the set grows as stored providers are unsealed.
      get secrets() {
        return providerSet.secrets;
      },
      seal: (plaintext) => seal(masterKey.key, plaintext),
    };
    const evaluations = new EvaluationRunner(services, stores.evaluations, snapshot, marker.id, logger);
    services.evaluations = evaluations;
    const app = buildServer({
      services,
      checkReady: async () => {
        // This instance has its snapshot: an unreachable database or Redis degrades it (the last
        // snapshot serves, records wait in the queue, limits count in memory), it never stops
        // it serving — so a fleet that loses a store keeps its instances in the load balancer.
        const database = await withTimeout(
          stores.ping(),
          2_000,
          "the database did not answer within 2 s",
        ).then(
          () => stores.kind,
          (error: unknown) =>
            `${stores.kind} (unreachable: ${(error as Error).message}; serving the last snapshot)`,
        );
        const sharedHealthy = shared.health() === "ok";
        return {
          status: sharedHealthy && database === stores.kind ? "ready" : "degraded",
          stores: {
            control: database,
            events: database,
            shared_state: sharedHealthy ? shared.kind : `${shared.kind} (degraded: counting in memory)`,
          },
        };
      },
    });
    const connections = trackConnections(app.server);
    const held = holdRequests(app.server);
    try {
      await app.listen({ port: settings.port, host: settings.host });
    } catch (error) {
      await Promise.all([upstream.close(), images.close()]);
      throw error;
    }
    let generatedKey: string | null;
    try {
      // A provider pointed at the gateway's own address (known only now, for port 0) would loop.
      const bound = app.server.address() as AddressInfo;
      const looping = findSelfLoop(providers, bound);
      if (looping !== undefined) {
        throw new ConfigError(
          `${looping.settings.baseUrl}: ${looping.baseUrl} points back at this gateway (listening on port ${bound.port}); set it to the provider's own URL`,
        );
      }
      // A stored provider that loops is skipped (and logged) when the snapshot loads, not fatal:
      // the operator fixes it through the admin API of a gateway that runs.
      providerSet.listening(bound);
      // From here on this instance is sure to run: write what it owns, then serve.
      if (fileOwnsConfig) await saveConfigRules(stores.control, configRules);
      const bootstrapped = await bootstrapKeys(stores.control, keyOptions);
      generatedKey = bootstrapped.generatedKey;
      if (bootstrapped.revokedConfigKeys.length > 0) {
        logger.warn(
          { keys: bootstrapped.revokedConfigKeys },
          "revoked config-file keys that the config file no longer lists",
        );
      }
      if (fileOwnsConfig) await removeStaleConfigRules(stores.control, configRules);
      await snapshot.load();
      // One machine counts budgets in memory: start from the month's recorded spend.
      if (shared.kind === "memory")
        await seedMonthlySpend(shared.counters, (from) => stores.events.spendSince(from), Date.now());
      shared.notifier.subscribe(() => void snapshot.refresh());
      for (const stop of await marker.claimUncleanStops()) {
        metrics.uncleanStops.inc();
        metrics.recordsMissingSince.set(Math.floor(stop.flushedAt.getTime() / 1000));
        logger.warn(
          {
            instance: stop.id,
            host: stop.host,
            pid: stop.pid,
            startedAt: stop.startedAt.toISOString(),
            lastFlushAt: stop.flushedAt.toISOString(),
            lastSeenAt: stop.seenAt.toISOString(),
          },
          `a gateway process stopped without a clean shutdown: request records it accepted after ${stop.flushedAt.toISOString()} may be missing`,
        );
      }
      await marker.start();
    } catch (error) {
      held.refuse();
      await app.close();
      await Promise.all([upstream.close(), images.close()]);
      throw error;
    }
    if (providerSet.providers.length === 0) {
      logger.warn(
        "no provider is enabled: set OPENAI_API_KEY (or ANTHROPIC_API_KEY, GEMINI_API_KEY, …), add providers to the config file, or try `floopy serve --demo`",
      );
    }
    snapshot.startPolling();
    services.feedbackSync.start();
    evaluations.start();
    records.start();
    held.release();
    // The bound address, not the configured one: with port 0 the system chose the port.
    const address = app.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    if (generatedKey !== null) options.onGeneratedKey?.(generatedKey, url);

    logger.info(
      {
        url,
        store: stores.kind,
        providers: providerSet.providers.map((provider) => provider.id),
      },
      "floopy gateway listening",
    );

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        const grace = setTimeout(() => app.server.closeAllConnections(), settings.shutdownGraceMs);
        grace.unref();
        const closed = app.close();
        connections.startDraining();
        await closed;
        await services.inFlight.idle();
        clearTimeout(grace);
        snapshot.stopPolling();
        clearInterval(rollupReload);
        await services.feedbackSync.stop();
        await evaluations.stop();
        await records.close();
        // After the final flush: the next start must not take this stop for a crash.
        await marker.stop().catch((error: unknown) => {
          logger.warn(
            { err: error },
            "could not clear this instance's marker; the next start will report a crash",
          );
        });
        await upstream.close();
        await images.close();
        await demo?.close();
        await shared.close();
        await stores.close();
        logger.info(
          {
            written: records.counters.written,
            dropped: records.counters.droppedFull + records.counters.droppedWriteFailed,
          },
          "floopy gateway stopped",
        );
      })();
      return closing;
    };
    return {
      url,
      port: address.port,
      services,
      stores,
      masterKey: masterKey.key,
      close,
    };
  } catch (error) {
    await sharedState?.close();
    await stores.close();
    await demo?.close();
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
