/**
 * The shared-state contract on memory and on Redis, and Redis's failure modes: an outage turns
 * into per-instance counting (degraded) and back, and a Redis that is down at start does not stop
 * the start.
 */

import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { MemoryLists } from "../../src/store/memory/memory-lists.js";
import { MemoryCounters, MemoryNotifier } from "../../src/store/memory/memory-shared-state.js";
import { openSharedState } from "../../src/store/open-shared-state.js";
import type { SharedState } from "../../src/store/shared-state.js";
import { describeWithRedis, startPrivateRedis, uniquePrefix } from "../support/redis.js";
import { sharedStateContract } from "./shared-state-contract.js";

const logger = pino({ level: "silent" });

describe("memory shared state", () => {
  // Two "instances" in one process share state only if they share the objects.
  const counters = new MemoryCounters();
  const notifier = new MemoryNotifier();
  const lists = new MemoryLists(1024 * 1024);
  sharedStateContract({
    open: async (): Promise<SharedState> => ({
      kind: "memory",
      counters,
      notifier,
      lists,
      health: () => "ok",
      close: async () => {},
    }),
  });

  it("forgets counters whose charges have all left their windows", async () => {
    const memory = new MemoryCounters();
    const window = { kind: "sliding", ms: 1000 } as const;
    for (let index = 0; index < 500; index++) {
      await memory.acquire([{ id: `idle-${index}`, limit: 10, amount: 1, window }], 1_000);
    }
    expect(memory.size).toBe(500);
    for (let index = 0; index < 10_000; index++) {
      await memory.acquire([{ id: "busy", limit: 1e9, amount: 1, window }], 5_000 + index);
    }
    expect(memory.size).toBeLessThan(10);
  });
});

describe("memory lists", () => {
  it("stays within its byte budget by dropping the least recently used lists", async () => {
    const memory = new MemoryLists(64 * 1024);
    const item = "x".repeat(1_000);
    await memory.append("kept", item, { ttlMs: 60_000, maxItems: 4 }, 1_000);
    for (let index = 0; index < 200; index++) {
      await memory.append(`filler-${index}`, item, { ttlMs: 60_000, maxItems: 4 }, 1_000);
      // Read on every round: the most recently used list survives the eviction.
      expect(await memory.read(["kept"], 1_001)).toEqual([[item]]);
    }
    expect(memory.heldBytes()).toBeLessThanOrEqual(64 * 1024);
    expect(await memory.read(["filler-0"], 1_002)).toEqual([[]]);
    expect(await memory.read(["filler-199"], 1_002)).toEqual([[item]]);
  });

  it("never keeps an item larger than the whole budget", async () => {
    const memory = new MemoryLists(1_000);
    await memory.append("big", "x".repeat(2_000), { ttlMs: 60_000, maxItems: 1 }, 1);
    expect(await memory.read(["big"], 2)).toEqual([[]]);
    expect(memory.heldBytes()).toBe(0);
  });
});

describeWithRedis("Redis shared state", (url) => {
  const prefix = uniquePrefix();
  sharedStateContract({ open: () => openSharedState({ redisUrl: url, logger, keyPrefix: prefix }) });
});

describe("Redis outages", () => {
  it("counts in memory while Redis is down, says degraded, and goes back to Redis when it returns", async () => {
    const redis = await startPrivateRedis();
    const changes: boolean[] = [];
    let fallbacks = 0;
    const state = await openSharedState({
      redisUrl: redis.url,
      logger,
      onDegraded: (degraded) => changes.push(degraded),
      onFallback: () => fallbacks++,
    });
    const charge = (id: string) => [
      { id, limit: 100, amount: 1, window: { kind: "sliding", ms: 60_000 } as const },
    ];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      expect(state.kind).toBe("redis");
      expect((await state.counters.acquire(charge("a"), Date.now())).admitted).toBe(true);
      expect(state.health()).toBe("ok");
      await redis.stop();
      for (let index = 0; index < 20; index++) {
        expect((await state.counters.acquire(charge("a"), Date.now())).admitted).toBe(true);
      }
      expect(state.health()).toBe("degraded");
      expect(fallbacks).toBeGreaterThanOrEqual(20);
      await state.notifier.publish("control").catch(() => {});
      await redis.start();
      await vi.waitFor(() => expect(state.health()).toBe("ok"), { timeout: 10_000, interval: 50 });
      // Counting on the (empty, restarted) Redis again, not in memory.
      const result = await state.counters.acquire(charge("a"), Date.now());
      expect(result.counters[0]?.used).toBe(1);
      expect(changes).toEqual([true, false]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await state.close();
      await redis.stop();
    }
  }, 30_000);

  it("starts degraded when Redis is unreachable at start, and joins once it answers", async () => {
    const redis = await startPrivateRedis();
    await redis.stop();
    const state = await openSharedState({ redisUrl: redis.url, logger, connectWaitMs: 300 });
    try {
      expect(state.health()).toBe("degraded");
      const charge = [{ id: "b", limit: 1, amount: 1, window: { kind: "sliding", ms: 60_000 } as const }];
      expect((await state.counters.acquire(charge, Date.now())).admitted).toBe(true);
      await redis.start();
      await vi.waitFor(() => expect(state.health()).toBe("ok"), { timeout: 10_000, interval: 50 });
    } finally {
      await state.close();
      await redis.stop();
    }
  }, 30_000);
});
