/**
 * Opens the shared state a gateway process uses: memory when `FLOOPY_REDIS_URL` is unset (the
 * embedded default), Redis behind the memory fallback otherwise. A Redis that is down at start
 * does not stop the start: the instance starts degraded and joins when Redis answers.
 */
import type { Logger } from "pino";
import { FailoverSharedState } from "./failover-shared-state.js";
import { MemoryLists } from "./memory/memory-lists.js";
import { DEFAULT_LIST_BYTES, MemoryCounters, memorySharedState } from "./memory/memory-shared-state.js";
import { createRedisClient, whenReady } from "./redis/redis-client.js";
import { RedisCounters } from "./redis/redis-counters.js";
import { RedisLists } from "./redis/redis-lists.js";
import { RedisNotifier } from "./redis/redis-notifier.js";
import type { SharedState } from "./shared-state.js";

export interface OpenSharedStateOptions {
  redisUrl: string | undefined;
  logger: Pick<Logger, "warn" | "info">;
  /** Keys and the notification channel start with it (default `floopy:`). */
  keyPrefix?: string;
  onDegraded?: (degraded: boolean) => void;
  onFallback?: () => void;
  /** How long a start waits for Redis before it starts degraded. */
  connectWaitMs?: number;
  commandTimeoutMs?: number;
  /** The in-process cache's byte budget (`cache.max_bytes`); also the fallback's while Redis is down. */
  listBytes?: number;
}

export async function openSharedState(options: OpenSharedStateOptions): Promise<SharedState> {
  const listBytes = options.listBytes ?? DEFAULT_LIST_BYTES;
  if (options.redisUrl === undefined) return memorySharedState({ listBytes });
  const prefix = options.keyPrefix ?? "floopy:";
  let logged = false;
  const onError = (error: Error) => {
    // The failover logs the outage itself; a connection that never came up is said once here.
    if (logged) return;
    logged = true;
    options.logger.warn({ err: error }, "Redis connection error");
  };
  const redis = createRedisClient({
    url: options.redisUrl,
    onError,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
  });
  const subscriber = createRedisClient({ url: options.redisUrl, subscriber: true, onError: () => {} });
  redis.on("ready", () => {
    logged = false;
  });
  const ready = await whenReady(redis, options.connectWaitMs ?? 2_000);
  return new FailoverSharedState({
    redis,
    counters: new RedisCounters(redis, prefix),
    fallback: new MemoryCounters(),
    lists: new RedisLists(redis, prefix),
    fallbackLists: new MemoryLists(listBytes),
    notifier: new RedisNotifier(redis, subscriber, prefix),
    close: async () => {
      redis.disconnect();
      subscriber.disconnect();
    },
    logger: options.logger,
    ...(options.onDegraded ? { onDegraded: options.onDegraded } : {}),
    ...(options.onFallback ? { onFallback: options.onFallback } : {}),
    startDegraded: !ready,
  });
}
