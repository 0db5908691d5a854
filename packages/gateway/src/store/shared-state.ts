/**
 * Shared state (DESIGN.md section 4): the counters behind rate limits and budgets, and the
 * change notifications that tell every instance to reload its control snapshot. In-process memory
 * in the embedded default, Redis when `FLOOPY_REDIS_URL` is set; both pass the same contract suite
 * (test/store/shared-state-contract.ts), so a limit means the same thing on one machine and on a
 * fleet.
 */

/** Where a counter's amounts expire. */
export type CounterWindow =
  /** The sum over the last `ms` milliseconds (rate limits: 60 s, or a constraint's window). */
  | { kind: "sliding"; ms: number }
  /**
   * A calendar period (a month of spend): amounts count until `endsAtMs`, then the counter starts
   * from zero. `period` names it (e.g. `2026-12`) so two instances agree on which counter is live.
   */
  | { kind: "fixed"; period: string; endsAtMs: number };

/** One limit to check and charge in an acquisition. */
export interface CounterCharge {
  /** Stable id of the counter, e.g. `key:<id>:rpm`, `org:<id>:spend`. */
  id: string;
  window: CounterWindow;
  /** The most the window may hold (requests, tokens, micro-USD). */
  limit: number;
  /** What this request adds (≥ 0). An amount of 0 checks the counter without charging it. */
  amount: number;
}

export interface CounterState {
  id: string;
  limit: number;
  /** What the window holds after this acquisition (or, on a refusal, before it). */
  used: number;
  /** Milliseconds until the window has room for this charge again (0 when it has room now). */
  resetMs: number;
}

export type AcquireResult =
  /** Every charge fitted and all were added, atomically. */
  | { admitted: true; counters: CounterState[] }
  /** At least one charge did not fit; nothing was added. `refused` lists those that did not fit. */
  | { admitted: false; counters: CounterState[]; refused: CounterState[] };

/** A correction to an earlier charge (settling an estimate with real usage; negative gives back). */
export interface CounterAdjustment {
  id: string;
  window: CounterWindow;
  delta: number;
  /** When the charge being corrected was made, so a sliding window expires it at the same time. */
  chargedAtMs: number;
}

export interface SharedCounters {
  /**
   * All-or-nothing: when every charge fits under its limit, adds them all; otherwise adds none.
   * Atomic across every instance sharing the backend (Redis: one Lua script, one round trip).
   */
  acquire(charges: readonly CounterCharge[], nowMs: number): Promise<AcquireResult>;
  /** Applies corrections without checking limits (a settled request already ran). */
  adjust(adjustments: readonly CounterAdjustment[], nowMs: number): Promise<void>;
  /** Current usage of counters, without charging (for `GET` answers and seeding). */
  peek(charges: readonly CounterCharge[], nowMs: number): Promise<CounterState[]>;
}

/** Topics instances tell each other about. */
export type ChangeTopic = "control";

export interface ChangeNotifier {
  publish(topic: ChangeTopic): Promise<void>;
  /** Calls `listener` on every message of any instance (this one's own included). */
  subscribe(listener: (topic: ChangeTopic) => void): void;
}

/** How an item is kept by `SharedLists.append`. */
export interface ListAppend {
  /** The item leaves the list this long after it was added. */
  ttlMs: number;
  /** The list keeps its newest items, at most this many. */
  maxItems: number;
}

/**
 * Bounded lists whose items expire: the answer cache's buckets (docs/cache.md) and the vector
 * buckets of its semantic tier and of the firewall's verdict cache. Items are opaque strings.
 * Memory keeps them under a byte budget (least recently used lists go first); Redis shares them
 * by every instance. A list may lose items early (evicted under memory pressure): a cache.
 */
export interface SharedLists {
  /** The live items of each list, oldest first: one Redis round trip however many keys. */
  read(keys: readonly string[], nowMs: number): Promise<string[][]>;
  /** Adds `item` as the newest of `key`'s items, dropping the oldest beyond `maxItems`. */
  append(key: string, item: string, options: ListAppend, nowMs: number): Promise<void>;
}

/** The shared-state backend one gateway process uses. */
export interface SharedState {
  kind: "memory" | "redis";
  counters: SharedCounters;
  notifier: ChangeNotifier;
  lists: SharedLists;
  /**
   * `ok`: the shared backend answers. `degraded`: Redis is unreachable and this instance counts on
   * its own memory until Redis returns (limits then hold per instance, not per fleet).
   */
  health(): "ok" | "degraded";
  close(): Promise<void>;
}
