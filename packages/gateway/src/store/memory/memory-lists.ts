/**
 * Shared lists in this process's memory: the embedded default's answer cache, and what a fleet
 * instance uses while Redis is unreachable. Bounded by a byte budget: reading or writing a list
 * makes it the most recently used, and the least recently used lists are dropped whole once the
 * items held pass the budget. Expired items are dropped as their list is touched.
 */
import type { ListAppend, SharedLists } from "../shared-state.js";

interface Item {
  value: string;
  expiresAtMs: number;
}

interface List {
  items: Item[];
  bytes: number;
}

/** What a list and an item cost beyond their characters (object headers, the map's entry). */
const LIST_OVERHEAD = 96;
const ITEM_OVERHEAD = 48;

export class MemoryLists implements SharedLists {
  // A Map iterates in insertion order: re-inserting on every touch makes the first entry the
  // least recently used.
  private readonly lists = new Map<string, List>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  async read(keys: readonly string[], nowMs: number): Promise<string[][]> {
    return keys.map((key) => this.readNow(key, nowMs));
  }

  readNow(key: string, nowMs: number): string[] {
    const list = this.touch(key, nowMs);
    return list ? list.items.map((item) => item.value) : [];
  }

  async append(key: string, value: string, options: ListAppend, nowMs: number): Promise<void> {
    this.appendNow(key, value, options, nowMs);
  }

  appendNow(key: string, value: string, options: ListAppend, nowMs: number): void {
    const cost = itemBytes(value);
    if (cost + LIST_OVERHEAD + key.length * 2 > this.budgetBytes) return;
    let list = this.touch(key, nowMs);
    if (!list) {
      list = { items: [], bytes: LIST_OVERHEAD + key.length * 2 };
      this.lists.set(key, list);
      this.bytes += list.bytes;
    }
    list.items.push({ value, expiresAtMs: nowMs + options.ttlMs });
    list.bytes += cost;
    this.bytes += cost;
    while (list.items.length > Math.max(1, options.maxItems)) this.dropOldest(list);
    this.evict(key);
  }

  /** What the lists hold, in the budget's units (for tests and metrics). */
  heldBytes(): number {
    return this.bytes;
  }

  /** The list with its expired items pruned, now the most recently used; undefined when empty. */
  private touch(key: string, nowMs: number): List | undefined {
    const list = this.lists.get(key);
    if (!list) return undefined;
    const live = list.items.filter((item) => item.expiresAtMs > nowMs);
    if (live.length !== list.items.length) {
      const kept = live.reduce((sum, item) => sum + itemBytes(item.value), 0);
      const before = list.bytes;
      list.bytes = LIST_OVERHEAD + key.length * 2 + kept;
      this.bytes += list.bytes - before;
      list.items = live;
    }
    this.lists.delete(key);
    if (list.items.length === 0) {
      this.bytes -= list.bytes;
      return undefined;
    }
    this.lists.set(key, list);
    return list;
  }

  private dropOldest(list: List): void {
    const oldest = list.items.shift();
    if (!oldest) return;
    const cost = itemBytes(oldest.value);
    list.bytes -= cost;
    this.bytes -= cost;
  }

  /** Drops least recently used lists (never `keep`, just written) until the budget holds. */
  private evict(keep: string): void {
    for (const [key, list] of this.lists) {
      if (this.bytes <= this.budgetBytes) return;
      if (key === keep) continue;
      this.lists.delete(key);
      this.bytes -= list.bytes;
    }
  }
}

function itemBytes(value: string): number {
  return ITEM_OVERHEAD + value.length * 2;
}
