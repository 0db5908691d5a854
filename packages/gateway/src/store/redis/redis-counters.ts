/**
 * Rate-limit and budget counters in Redis, shared by every instance. Each operation is one Lua
 * script, so one round trip, and atomic: no other instance's charge can land between the check
 * and the charge, which is what makes a burst split across instances admit exactly the limit.
 *
 * A sliding window is exact: a sorted set of its charges (score: the time, member: a unique tag
 * ending in the amount) beside a running sum. Charges that have left the window are subtracted
 * from the sum and removed as they are passed, so a check costs the charges that expired since
 * the last one, not the window's size. A fixed window (a month of spend) is one integer key per
 * period, expiring a day after the period ends. Keys expire when idle, so nothing outlives its
 * window. Times come from the caller (`nowMs`): instances of a fleet should keep their clocks in
 * sync (NTP), as a skew of s seconds moves a charge's expiry by s.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type {
  AcquireResult,
  CounterAdjustment,
  CounterCharge,
  CounterState,
  CounterWindow,
  SharedCounters,
} from "../shared-state.js";

// KEYS: per counter, sliding → [set, sum], fixed → [value].
// ARGV: now, tag, mode (acquire | peek), count, then per counter: kind, limit, amount, span
// (sliding: window ms; fixed: period end, epoch ms).
// Returns: { admitted (1/0), then per counter: used, reset ms }.
const ACQUIRE = `
local now = tonumber(ARGV[1])
local tag = ARGV[2]
local mode = ARGV[3]
local count = tonumber(ARGV[4])
local used, kinds, limits, amounts, spans, keys = {}, {}, {}, {}, {}, {}
local k, a = 1, 5
for i = 1, count do
  kinds[i], limits[i], amounts[i], spans[i] = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 4
  if kinds[i] == 's' then
    local set, sum = KEYS[k], KEYS[k + 1]
    keys[i] = { set, sum }
    k = k + 2
    local cutoff = now - spans[i]
    local old = redis.call('ZRANGEBYSCORE', set, '-inf', cutoff)
    if #old > 0 then
      local gone = 0
      for _, member in ipairs(old) do gone = gone + tonumber(string.match(member, ':(-?[0-9]+)$')) end
      redis.call('ZREMRANGEBYSCORE', set, '-inf', cutoff)
      redis.call('INCRBY', sum, -gone)
    end
    used[i] = math.max(0, tonumber(redis.call('GET', sum) or '0'))
  else
    keys[i] = { KEYS[k] }
    k = k + 1
    used[i] = math.max(0, tonumber(redis.call('GET', KEYS[k - 1]) or '0'))
  end
end
local result = { 1 }
local admitted = true
for i = 1, count do
  if used[i] + amounts[i] > limits[i] then admitted = false end
end
for i = 1, count do
  local reset = 0
  if used[i] + amounts[i] > limits[i] then
    if kinds[i] == 'f' then
      reset = math.max(0, spans[i] - now)
    elseif amounts[i] > limits[i] then
      reset = spans[i]
    else
      reset = spans[i]
      local left = used[i]
      local oldest = redis.call('ZRANGE', keys[i][1], 0, 999, 'WITHSCORES')
      for j = 1, #oldest, 2 do
        left = left - tonumber(string.match(oldest[j], ':(-?[0-9]+)$'))
        if left + amounts[i] <= limits[i] then
          reset = math.max(1, tonumber(oldest[j + 1]) + spans[i] - now)
          break
        end
      end
    end
  end
  result[2 * i] = used[i]
  result[2 * i + 1] = reset
end
if not admitted then
  result[1] = 0
  return result
end
if mode == 'peek' then return result end
for i = 1, count do
  local amount = amounts[i]
  if amount ~= 0 then
    if kinds[i] == 's' then
      redis.call('ZADD', keys[i][1], now, tag .. ':' .. i .. ':' .. amount)
      redis.call('INCRBY', keys[i][2], amount)
      redis.call('PEXPIRE', keys[i][1], spans[i] + 1000)
      redis.call('PEXPIRE', keys[i][2], spans[i] + 1000)
    else
      redis.call('INCRBY', keys[i][1], amount)
      redis.call('PEXPIREAT', keys[i][1], spans[i] + 86400000)
    end
  end
  result[2 * i] = used[i] + amount
end
return result
`;

// KEYS as for ACQUIRE; ARGV: now, tag, count, then per adjustment: kind, delta, charged at, span.
const ADJUST = `
local now = tonumber(ARGV[1])
local tag = ARGV[2]
local count = tonumber(ARGV[3])
local k, a = 1, 4
for i = 1, count do
  local kind, delta, at, span = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 4
  if kind == 's' then
    local set, sum = KEYS[k], KEYS[k + 1]
    k = k + 2
    if at > now - span then
      redis.call('ZADD', set, at, tag .. ':' .. i .. ':' .. delta)
      redis.call('INCRBY', sum, delta)
      local ttl = at + span - now + 1000
      if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
      if redis.call('PTTL', sum) < ttl then redis.call('PEXPIRE', sum, ttl) end
    end
  else
    local value = KEYS[k]
    k = k + 1
    if span > now then
      redis.call('INCRBY', value, delta)
      redis.call('PEXPIREAT', value, span + 86400000)
    end
  end
end
return count
`;

interface CounterCommands {
  floopyAcquire(numberOfKeys: number, ...args: (string | number)[]): Promise<number[]>;
  floopyAdjust(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
}

/** How long settlements wait for company, and how many go in one call at most. */
const BATCH_MS = 5;
const MAX_BATCH = 64;

interface PendingAdjustment {
  changes: CounterAdjustment[];
  nowMs: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class RedisCounters implements SharedCounters {
  private readonly redis: Redis & CounterCommands;
  private readonly pending: PendingAdjustment[] = [];
  private batchTimer: NodeJS.Timeout | undefined;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand("floopyAcquire", { lua: ACQUIRE });
    redis.defineCommand("floopyAdjust", { lua: ADJUST });
    this.redis = redis as Redis & CounterCommands;
  }

  async acquire(charges: readonly CounterCharge[], nowMs: number): Promise<AcquireResult> {
    if (charges.length === 0) return { admitted: true, counters: [] };
    const reply = await this.run("acquire", charges, nowMs);
    const counters = this.states(charges, reply);
    if (reply[0] === 1) return { admitted: true, counters };
    const refused = counters.filter(
      (state, index) => state.used + (charges[index]?.amount ?? 0) > state.limit,
    );
    return { admitted: false, counters, refused };
  }

  async peek(charges: readonly CounterCharge[], nowMs: number): Promise<CounterState[]> {
    if (charges.length === 0) return [];
    return this.states(charges, await this.run("peek", charges, nowMs));
  }

  /**
   * Settlements are not on anyone's critical path, so those of the next few milliseconds go to
   * Redis together, in one script call: under load a request costs one round trip to acquire and
   * a share of one to settle.
   */
  adjust(adjustments: readonly CounterAdjustment[], nowMs: number): Promise<void> {
    const changes = adjustments.filter((adjustment) => adjustment.delta !== 0);
    if (changes.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ changes, nowMs, resolve, reject });
      if (this.pending.length >= MAX_BATCH) void this.flushAdjustments();
      else this.batchTimer ??= setTimeout(() => void this.flushAdjustments(), BATCH_MS);
    });
  }

  private async flushAdjustments(): Promise<void> {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const changes = batch.flatMap((entry) => entry.changes);
    const nowMs = Math.max(...batch.map((entry) => entry.nowMs));
    const keys = changes.flatMap((change) => this.keys(change.id, change.window));
    const args = changes.flatMap((change) => [
      kindOf(change.window),
      Math.round(change.delta),
      change.chargedAtMs,
      spanOf(change.window),
    ]);
    try {
      await this.redis.floopyAdjust(keys.length, ...keys, nowMs, tag(), changes.length, ...args);
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }

  private run(mode: "acquire" | "peek", charges: readonly CounterCharge[], nowMs: number): Promise<number[]> {
    const keys = charges.flatMap((charge) => this.keys(charge.id, charge.window));
    const args = charges.flatMap((charge) => [
      kindOf(charge.window),
      Math.floor(charge.limit),
      Math.ceil(charge.amount),
      spanOf(charge.window),
    ]);
    return this.redis.floopyAcquire(keys.length, ...keys, nowMs, tag(), mode, charges.length, ...args);
  }

  private states(charges: readonly CounterCharge[], reply: number[]): CounterState[] {
    return charges.map((charge, index) => ({
      id: charge.id,
      limit: charge.limit,
      used: Number(reply[2 * index + 1] ?? 0),
      resetMs: Number(reply[2 * index + 2] ?? 0),
    }));
  }

  private keys(id: string, window: CounterWindow): string[] {
    return window.kind === "sliding"
      ? [`${this.prefix}c:${id}:${window.ms}:set`, `${this.prefix}c:${id}:${window.ms}:sum`]
      : [`${this.prefix}c:${id}:${window.period}`];
  }
}

const kindOf = (window: CounterWindow) => (window.kind === "sliding" ? "s" : "f");
const spanOf = (window: CounterWindow) => (window.kind === "sliding" ? window.ms : window.endsAtMs);
/** Makes every charge's member unique across instances and calls. */
const tag = () => randomBytes(6).toString("base64url");
