/**
 * The composition root: opens the stores, loads the control snapshot, builds the services and the
 * HTTP server, and owns graceful shutdown (stop accepting, let in-flight requests finish within
 * the grace period, flush the record queue, close the stores).
 */
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { LoadedConfig } from "./config/load-config.js";
import { bootstrapKeys } from "./control/bootstrap-keys.js";
import { removeStaleConfigRules, saveConfigRules } from "./control/config-rules.js";
import { ControlSnapshot } from "./control/control-snapshot.js";
import { loadMasterKey } from "./control/master-key.js";
import { trackConnections } from "./http/connection-tracker.js";
import { buildServer } from "./http/server.js";
import { PriceBook } from "./limits/pricing.js";
import { createLogger } from "./observability/logger.js";
import { GatewayMetrics } from "./observability/metrics.js";
import { ThrottledWarning } from "./observability/throttled-warning.js";
import { InFlightRequests } from "./pipeline/in-flight.js";
import { ModelDirectory } from "./pipeline/model-directory.js";
import type { GatewayServices } from "./pipeline/services.js";
import { ModelCatalogue } from "./providers/model-catalogue.js";
import { resolveProviders } from "./providers/provider-instance.js";
import { RecordQueue } from "./records/record-queue.js";
import { BreakerBook } from "./routing/breaker-book.js";
import { TargetStatisticsBook } from "./routing/target-stats.js";
import { openStores } from "./store/open-stores.js";
import type { RequestLogRecord, Stores } from "./store/types.js";
import { ImageFetcher } from "./upstream/image-fetcher.js";
import { UpstreamClient } from "./upstream/upstream-client.js";

export interface StartGatewayOptions {
  config: LoadedConfig;
  logger?: Logger;
  /** Called with a key generated on the very first start (no key existed); it must be shown once. */
  onGeneratedKey?: (key: string) => void;
}

export interface Gateway {
  url: string;
  port: number;
  services: GatewayServices;
  stores: Stores;
  /** Seals provider credentials stored through the admin API. */
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
      "generated a master key for sealing provider credentials; back it up, or set FLOOPY_MASTER_KEY",
    );
  }
  const stores = await openStores({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  try {
    const catalogue = new ModelCatalogue(providers, config.file.models ?? {});
    const configRules = {
      rules: config.file.routing_rules,
      keys: config.file.keys ?? [],
      catalogue,
      logger,
    };
    await saveConfigRules(stores.control, configRules);
    const { generatedKey, revokedConfigKeys } = await bootstrapKeys(stores.control, {
      configKeys: config.file.keys ?? [],
      bootstrapKey: settings.bootstrapKey,
      adminKey: settings.adminKey,
    });
    if (revokedConfigKeys.length > 0) {
      logger.warn(
        { keys: revokedConfigKeys },
        "revoked config-file keys that the config file no longer lists",
      );
    }
    await removeStaleConfigRules(stores.control, configRules);
    if (generatedKey !== null) options.onGeneratedKey?.(generatedKey);
    const metrics = new GatewayMetrics();
    const snapshot = new ControlSnapshot({
      store: stores.control,
      pollMs: settings.controlPollMs,
      logger,
      onReloadError: () => metrics.storeErrors.inc({ store: "control", operation: "snapshot_reload" }),
    });
    await snapshot.load();
    snapshot.startPolling();
    const dropWarnings = new ThrottledWarning(logger, "request records dropped", 10_000);
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
      onWriteError: (error) => {
        metrics.storeErrors.inc({ store: "events", operation: "insert_request_logs" });
        logger.warn({ err: error }, "writing request records failed; will retry once");
      },
    });
    records.start();
    const upstream = new UpstreamClient({
      connectTimeoutMs: settings.upstreamConnectTimeoutMs,
      firstByteTimeoutMs: settings.upstreamFirstByteTimeoutMs,
      idleTimeoutMs: settings.upstreamIdleTimeoutMs,
    });
    const images = new ImageFetcher({
      maxBytes: settings.imageFetchMaxBytes,
      timeoutMs: settings.imageFetchTimeoutMs,
    });
    const services: GatewayServices = {
      settings,
      images,
      snapshot,
      catalogue,
      models: new ModelDirectory({
        providers,
        upstream,
        ttlMs: settings.modelListTtlMs,
        waitMs: settings.modelListTimeoutMs,
        logger,
      }),
      prices: new PriceBook(config.file.models ?? {}),
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
      targetStats: new TargetStatisticsBook(),
      ruleSequence: new Map(),
      random: Math.random,
      cursorSecret: createHmac("sha256", masterKey.key).update("floopy list cursors v1").digest(),
      secrets: providers.map((provider) => provider.apiKey).filter((key): key is string => key !== null),
    };
    const app = buildServer({
      services,
      checkReady: async () => {
        await withTimeout(stores.ping(), 2_000, "the database did not answer within 2 s");
        return { control: stores.kind, events: stores.kind, shared_state: "memory" };
      },
    });
    const connections = trackConnections(app.server);
    await app.listen({ port: settings.port, host: settings.host });

    const address = app.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    logger.info(
      {
        url: `http://${host}:${address.port}`,
        store: stores.kind,
        providers: providers.map((provider) => provider.id),
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
        await records.close();
        await upstream.close();
        await images.close();
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
      url: `http://${host}:${address.port}`,
      port: address.port,
      services,
      stores,
      masterKey: masterKey.key,
      close,
    };
  } catch (error) {
    await stores.close();
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
