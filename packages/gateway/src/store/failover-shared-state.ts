/**
 * Redis with this process's memory behind it: a Redis outage degrades limits, it never fails a
 * request. When a Redis call fails (refused, timed out, connection gone) the same call runs on
 * the memory counters instead, the instance says it is degraded (`health()`, the callbacks feed
 * /readyz and /metrics) and logs it once; a probe then asks Redis every half second, and the first
 * answer puts the counters back on Redis and logs that too. Requests never wait on a Redis that
 * is known to be down: while degraded they go straight to memory.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { MemoryCounters } from "./memory/memory-shared-state.js";
import type {
  AcquireResult,
  ChangeNotifier,
  ChangeTopic,
  CounterAdjustment,
  CounterCharge,
  CounterState,
  ListAppend,
  SharedCounters,
  SharedLists,
  SharedState,
} from "./shared-state.js";

export interface FailoverOptions {
  redis: Redis;
  counters: SharedCounters;
  fallback: MemoryCounters;
  lists: SharedLists;
  /** Answers list calls while Redis is down: an instance-local cache until it returns. */
  fallbackLists: SharedLists;
  notifier: ChangeNotifier;
  /** Closes every connection (the subscriber's too). */
  close: () => Promise<void>;
  logger: Pick<Logger, "warn" | "info">;
  /** Degraded (true) or back on Redis (false). */
  onDegraded?: (degraded: boolean) => void;
  /** One operation answered from memory. */
  onFallback?: () => void;
  probeMs?: number;
  /** Start degraded (Redis did not answer at start). */
  startDegraded?: boolean;
}

export class FailoverSharedState implements SharedState {
  readonly kind = "redis" as const;
  readonly counters: SharedCounters;
  readonly notifier: ChangeNotifier;
  readonly lists: SharedLists;
  private degraded = false;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: FailoverOptions) {
    const run = <T>(redis: () => Promise<T>, memory: () => Promise<T>) => this.run(redis, memory);
    const { counters, fallback } = options;
    this.counters = {
      acquire: (charges: readonly CounterCharge[], nowMs: number): Promise<AcquireResult> =>
        run(
          () => counters.acquire(charges, nowMs),
          () => fallback.acquire(charges, nowMs),
        ),
      adjust: (adjustments: readonly CounterAdjustment[], nowMs: number): Promise<void> =>
        run(
          () => counters.adjust(adjustments, nowMs),
          () => fallback.adjust(adjustments, nowMs),
        ),
      peek: (charges: readonly CounterCharge[], nowMs: number): Promise<CounterState[]> =>
        run(
          () => counters.peek(charges, nowMs),
          () => fallback.peek(charges, nowMs),
        ),
    };
    const { lists, fallbackLists } = options;
    this.lists = {
      read: (keys: readonly string[], nowMs: number): Promise<string[][]> =>
        run(
          () => lists.read(keys, nowMs),
          () => fallbackLists.read(keys, nowMs),
        ),
      append: (key: string, item: string, append: ListAppend, nowMs: number): Promise<void> =>
        run(
          () => lists.append(key, item, append, nowMs),
          () => fallbackLists.append(key, item, append, nowMs),
        ),
    };
    this.notifier = {
      publish: async (topic: ChangeTopic) => {
        if (this.degraded) throw new Error("Redis is unreachable; other instances reload at their next poll");
        try {
          await options.notifier.publish(topic);
        } catch (error) {
          this.fail(error);
          throw error;
        }
      },
      subscribe: (listener) => options.notifier.subscribe(listener),
    };
    if (options.startDegraded) this.fail(new Error("Redis did not answer at start"));
  }

  health(): "ok" | "degraded" {
    return this.degraded ? "degraded" : "ok";
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    await this.options.close();
  }

  private async run<T>(redis: () => Promise<T>, memory: () => Promise<T>): Promise<T> {
    if (!this.degraded) {
      try {
        return await redis();
      } catch (error) {
        this.fail(error);
      }
    }
    this.options.onFallback?.();
    return memory();
  }

  private fail(error: unknown): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.options.onDegraded?.(true);
    this.options.logger.warn(
      { err: error },
      "Redis is unreachable: rate limits, budgets and the cache now live in this instance's memory (per instance, not per fleet) until it answers again",
    );
    this.probe = setInterval(() => void this.tryRedis(), this.options.probeMs ?? 500);
    this.probe.unref();
  }

  private async tryRedis(): Promise<void> {
    if (!this.degraded || this.closed) return;
    try {
      await this.options.redis.ping();
    } catch {
      return;
    }
    if (!this.degraded) return;
    this.degraded = false;
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
    this.options.onDegraded?.(false);
    this.options.logger.info(
      "Redis answers again: rate limits, budgets and the cache are shared by the fleet again",
    );
  }
}
