/**
 * Shared lists in Redis, shared by every instance: one Redis list per key, each item stored as
 * `<expires at, epoch ms>|<value>`. A read of many lists is one pipeline (one round trip) and
 * skips expired items; an append is one script call that pushes, trims to the newest `maxItems`
 * and keeps the key alive as long as its longest-lived item. Keys expire on their own, so
 * nothing outlives its TTL.
 */
import type { Redis } from "ioredis";
import type { ListAppend, SharedLists } from "../shared-state.js";

// KEYS[1]: the list. ARGV: item, max items, ttl ms.
const APPEND = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
local ttl = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

interface ListCommands {
  floopyListAppend(key: string, item: string, maxItems: number, ttlMs: number): Promise<number>;
}

export class RedisLists implements SharedLists {
  private readonly redis: Redis & ListCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand("floopyListAppend", { lua: APPEND, numberOfKeys: 1 });
    this.redis = redis as Redis & ListCommands;
  }

  async read(keys: readonly string[], nowMs: number): Promise<string[][]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.lrange(this.prefix + key, 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    return keys.map((_, index) => {
      const [error, items] = replies[index] ?? [new Error("no reply"), null];
      if (error) throw error;
      return live(items as string[], nowMs);
    });
  }

  async append(key: string, item: string, options: ListAppend, nowMs: number): Promise<void> {
    const maxItems = Math.max(1, Math.floor(options.maxItems));
    const ttlMs = Math.max(1, Math.ceil(options.ttlMs));
    await this.redis.floopyListAppend(this.prefix + key, `${nowMs + ttlMs}|${item}`, maxItems, ttlMs);
  }
}

function live(items: string[], nowMs: number): string[] {
  const values: string[] = [];
  for (const item of items) {
    const bar = item.indexOf("|");
    if (bar < 0) continue;
    if (Number(item.slice(0, bar)) > nowMs) values.push(item.slice(bar + 1));
  }
  return values;
}
