/**
 * Shared state in this process's memory: the embedded default, and what a fleet instance falls
 * back to while Redis is unreachable. Sliding windows are exact: each charge is kept with its
 * time and leaves the sum exactly one window after it was made. Memory stays bounded by what the
 * windows hold: expired charges are pruned on every touch, and counters left empty are swept.
 */
import { EventEmitter } from "node:events";
import type {
  AcquireResult,
  ChangeNotifier,
  ChangeTopic,
  CounterAdjustment,
  CounterCharge,
  CounterState,
  CounterWindow,
  SharedCounters,
  SharedState,
} from "../shared-state.js";
import { MemoryLists } from "./memory-lists.js";

interface SlidingCounter {
  kind: "sliding";
  /** Charges, oldest first: [time, amount] pairs, flat. */
  times: number[];
  amounts: number[];
  sum: number;
}

interface FixedCounter {
  kind: "fixed";
  period: string;
  endsAtMs: number;
  sum: number;
}

type Counter = SlidingCounter | FixedCounter;

/** Counters untouched this long are checked for emptiness and dropped. */
const SWEEP_EVERY = 10_000;

export class MemoryCounters implements SharedCounters {
  private readonly counters = new Map<string, Counter>();
  private touches = 0;

  async acquire(charges: readonly CounterCharge[], nowMs: number): Promise<AcquireResult> {
    return this.acquireNow(charges, nowMs);
  }

  /** Synchronous: nothing can run between the check and the charge, which is what makes it atomic. */
  acquireNow(charges: readonly CounterCharge[], nowMs: number): AcquireResult {
    const before = charges.map((charge) => this.used(charge.id, charge.window, nowMs));
    const refused: CounterState[] = [];
    charges.forEach((charge, index) => {
      const used = before[index] ?? 0;
      if (used + charge.amount > charge.limit) {
        refused.push({
          id: charge.id,
          limit: charge.limit,
          used,
          resetMs: this.resetMs(charge, used, nowMs),
        });
      }
    });
    if (refused.length > 0) {
      const counters = charges.map((charge, index) => {
        const found = refused.find((state) => state.id === charge.id);
        return found ?? { id: charge.id, limit: charge.limit, used: before[index] ?? 0, resetMs: 0 };
      });
      return { admitted: false, counters, refused };
    }
    for (const charge of charges) {
      if (charge.amount !== 0) this.add(charge.id, charge.window, charge.amount, nowMs, nowMs);
    }
    return {
      admitted: true,
      counters: charges.map((charge, index) => ({
        id: charge.id,
        limit: charge.limit,
        used: (before[index] ?? 0) + charge.amount,
        resetMs: 0,
      })),
    };
  }

  async adjust(adjustments: readonly CounterAdjustment[], nowMs: number): Promise<void> {
    for (const adjustment of adjustments) {
      if (adjustment.delta === 0) continue;
      this.add(adjustment.id, adjustment.window, adjustment.delta, adjustment.chargedAtMs, nowMs);
    }
  }

  async peek(charges: readonly CounterCharge[], nowMs: number): Promise<CounterState[]> {
    return charges.map((charge) => {
      const used = this.used(charge.id, charge.window, nowMs);
      const resetMs = used + charge.amount > charge.limit ? this.resetMs(charge, used, nowMs) : 0;
      return { id: charge.id, limit: charge.limit, used, resetMs };
    });
  }

  /** How many counters are held (for tests of the bound). */
  get size(): number {
    return this.counters.size;
  }

  private used(id: string, window: CounterWindow, nowMs: number): number {
    const counter = this.counter(id, window, nowMs, false);
    return counter ? Math.max(0, counter.sum) : 0;
  }

  /** Adds `amount` at time `at`; a sliding charge already out of its window changes nothing. */
  private add(id: string, window: CounterWindow, amount: number, at: number, nowMs: number): void {
    if (window.kind === "sliding" && at <= nowMs - window.ms) return;
    const counter = this.counter(id, window, nowMs, true);
    if (!counter) return;
    counter.sum += amount;
    if (counter.kind === "sliding") {
      // Charges arrive in time order, corrections at their charge's (earlier) time.
      let index = counter.times.length;
      while (index > 0 && (counter.times[index - 1] ?? 0) > at) index--;
      counter.times.splice(index, 0, at);
      counter.amounts.splice(index, 0, amount);
    }
  }

  private counter(id: string, window: CounterWindow, nowMs: number, create: boolean): Counter | undefined {
    if (++this.touches % SWEEP_EVERY === 0) this.sweep(nowMs);
    const key = window.kind === "sliding" ? `${id}|${window.ms}` : `${id}|${window.period}`;
    let counter = this.counters.get(key);
    if (counter?.kind === "fixed" && counter.endsAtMs <= nowMs) {
      this.counters.delete(key);
      counter = undefined;
    }
    if (counter?.kind === "sliding") prune(counter, nowMs - (window as { ms: number }).ms);
    if (!counter && create) {
      counter =
        window.kind === "sliding"
          ? { kind: "sliding", times: [], amounts: [], sum: 0 }
          : { kind: "fixed", period: window.period, endsAtMs: window.endsAtMs, sum: 0 };
      this.counters.set(key, counter);
    }
    return counter;
  }

  private resetMs(charge: CounterCharge, used: number, nowMs: number): number {
    const { window } = charge;
    if (window.kind === "fixed") return Math.max(0, window.endsAtMs - nowMs);
    if (charge.amount > charge.limit) return window.ms;
    const counter = this.counter(charge.id, window, nowMs, false);
    if (counter?.kind !== "sliding") return 0;
    let left = used;
    for (let index = 0; index < counter.times.length; index++) {
      left -= counter.amounts[index] ?? 0;
      if (left + charge.amount <= charge.limit)
        return Math.max(1, (counter.times[index] ?? 0) + window.ms - nowMs);
    }
    return window.ms;
  }

  private sweep(nowMs: number): void {
    for (const [key, counter] of this.counters) {
      if (counter.kind === "fixed") {
        if (counter.endsAtMs <= nowMs) this.counters.delete(key);
        continue;
      }
      const windowMs = Number(key.slice(key.lastIndexOf("|") + 1));
      prune(counter, nowMs - windowMs);
      if (counter.times.length === 0) this.counters.delete(key);
    }
  }
}

/** Drops charges made at or before `cutoff` (they have left the window). */
function prune(counter: SlidingCounter, cutoff: number): void {
  let expired = 0;
  let removed = 0;
  while (expired < counter.times.length && (counter.times[expired] ?? 0) <= cutoff) {
    removed += counter.amounts[expired] ?? 0;
    expired++;
  }
  if (expired === 0) return;
  counter.times.splice(0, expired);
  counter.amounts.splice(0, expired);
  counter.sum -= removed;
  if (counter.times.length === 0) counter.sum = 0;
}

/** Change notifications within one process (the embedded default has no other instance). */
export class MemoryNotifier implements ChangeNotifier {
  private readonly events = new EventEmitter();

  async publish(topic: ChangeTopic): Promise<void> {
    this.events.emit("change", topic);
  }

  subscribe(listener: (topic: ChangeTopic) => void): void {
    this.events.on("change", listener);
  }
}

/** The in-process cache's default budget (`cache.max_bytes`). */
export const DEFAULT_LIST_BYTES = 64 * 1024 * 1024;

export function memorySharedState(options: { listBytes?: number } = {}): SharedState {
  return {
    kind: "memory",
    counters: new MemoryCounters(),
    notifier: new MemoryNotifier(),
    lists: new MemoryLists(options.listBytes ?? DEFAULT_LIST_BYTES),
    health: () => "ok",
    close: async () => {},
  };
}
