/**
 * What every shared-state backend promises (store/shared-state.ts), run on memory and on Redis by
 * shared-state.test.ts, so a limit means the same on one machine and on a fleet. Times are passed
 * in, never slept through.
 */
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import type { CounterCharge, SharedCounters, SharedState } from "../../src/store/shared-state.js";

export interface SharedStateFactory {
  /** A backend; two calls give two instances that share state (for Redis: one server). */
  open(): Promise<SharedState>;
}

const minute = { kind: "sliding", ms: 60_000 } as const;
const T = 1_800_000_000_000;

export function sharedStateContract(factory: SharedStateFactory): void {
  const id = () => `test:${randomBytes(6).toString("hex")}`;
  const withCounters = async (use: (counters: SharedCounters) => Promise<void>) => {
    const state = await factory.open();
    try {
      await use(state.counters);
    } finally {
      await state.close();
    }
  };
  const charge = (counter: string, limit: number, amount = 1, window: CounterCharge["window"] = minute) => ({
    id: counter,
    limit,
    amount,
    window,
  });

  it("admits up to exactly the limit, then refuses without adding", async () => {
    await withCounters(async (counters) => {
      const counter = id();
      for (let index = 1; index <= 3; index++) {
        const result = await counters.acquire([charge(counter, 3)], T + index);
        expect(result.admitted).toBe(true);
        expect(result.counters[0]?.used).toBe(index);
      }
      const refused = await counters.acquire([charge(counter, 3)], T + 10);
      expect(refused.admitted).toBe(false);
      expect(refused.counters[0]?.used).toBe(3);
      expect((await counters.peek([charge(counter, 3, 0)], T + 11))[0]?.used).toBe(3);
    });
  });

  it("is all or nothing across several charges", async () => {
    await withCounters(async (counters) => {
      const [roomy, tight] = [id(), id()];
      await counters.acquire([charge(tight, 1)], T);
      const result = await counters.acquire([charge(roomy, 10, 4), charge(tight, 1)], T + 1);
      expect(result.admitted).toBe(false);
      if (result.admitted) return;
      expect(result.refused.map((state) => state.id)).toEqual([tight]);
      const [roomyState] = await counters.peek([charge(roomy, 10, 0)], T + 2);
      expect(roomyState?.used).toBe(0);
    });
  });

  it("lets a charge leave a sliding window exactly one window after it was made", async () => {
    await withCounters(async (counters) => {
      const counter = id();
      await counters.acquire([charge(counter, 2)], T);
      await counters.acquire([charge(counter, 2)], T + 30_000);
      const full = await counters.acquire([charge(counter, 2)], T + 59_999);
      expect(full.admitted).toBe(false);
      if (full.admitted) return;
      expect(full.refused[0]?.resetMs).toBe(1);
      const later = await counters.acquire([charge(counter, 2)], T + 60_000);
      expect(later.admitted).toBe(true);
      expect(later.counters[0]?.used).toBe(2);
      const refused = await counters.acquire([charge(counter, 2)], T + 60_001);
      expect(refused.admitted).toBe(false);
      if (refused.admitted) return;
      // The charge of T + 30 s leaves next, at T + 90 s.
      expect(refused.refused[0]?.resetMs).toBe(29_999);
    });
  });

  it("refuses an amount larger than the limit with the window's length to wait", async () => {
    await withCounters(async (counters) => {
      const result = await counters.acquire([charge(id(), 100, 101)], T);
      expect(result.admitted).toBe(false);
      if (result.admitted) return;
      expect(result.refused[0]?.resetMs).toBe(60_000);
    });
  });

  it("checks without charging when the amount is zero", async () => {
    await withCounters(async (counters) => {
      const counter = id();
      await counters.acquire([charge(counter, 5, 5)], T);
      expect((await counters.acquire([charge(counter, 5, 0)], T + 1)).admitted).toBe(true);
      expect((await counters.peek([charge(counter, 5, 0)], T + 2))[0]?.used).toBe(5);
    });
  });

  it("settles: a negative adjustment gives room back, and leaves with its charge", async () => {
    await withCounters(async (counters) => {
      const counter = id();
      await counters.acquire([charge(counter, 1000, 800)], T);
      expect((await counters.acquire([charge(counter, 1000, 300)], T + 1)).admitted).toBe(false);
      await counters.adjust([{ id: counter, window: minute, delta: -750, chargedAtMs: T }], T + 2);
      expect((await counters.peek([charge(counter, 1000, 0)], T + 3))[0]?.used).toBe(50);
      expect((await counters.acquire([charge(counter, 1000, 300)], T + 4)).admitted).toBe(true);
      // At T + 60 s the first charge and its correction leave together: only the 300 is left.
      expect((await counters.peek([charge(counter, 1000, 0)], T + 60_000))[0]?.used).toBe(300);
      // A correction to a charge already out of its window changes nothing.
      await counters.adjust([{ id: counter, window: minute, delta: 500, chargedAtMs: T }], T + 60_001);
      expect((await counters.peek([charge(counter, 1000, 0)], T + 60_002))[0]?.used).toBe(300);
    });
  });

  it("counts a fixed period until it ends, then starts the next from zero", async () => {
    await withCounters(async (counters) => {
      const counter = id();
      const december = { kind: "fixed", period: "2027-12", endsAtMs: T + 100_000 } as const;
      const january = { kind: "fixed", period: "2028-01", endsAtMs: T + 200_000 } as const;
      expect((await counters.acquire([charge(counter, 10, 7, december)], T)).admitted).toBe(true);
      await counters.adjust([{ id: counter, window: december, delta: 2, chargedAtMs: T }], T + 1);
      const refused = await counters.acquire([charge(counter, 10, 2, december)], T + 2);
      expect(refused.admitted).toBe(false);
      if (refused.admitted) return;
      expect(refused.refused[0]?.used).toBe(9);
      expect(refused.refused[0]?.resetMs).toBe(99_998);
      const next = await counters.acquire([charge(counter, 10, 2, january)], T + 100_000);
      expect(next.admitted).toBe(true);
      expect(next.counters[0]?.used).toBe(2);
    });
  });

  it("admits exactly the limit of a concurrent burst from two instances", async () => {
    const [one, two] = [await factory.open(), await factory.open()];
    try {
      const counter = id();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          (index % 2 ? one : two).counters.acquire([charge(counter, 50)], T + index),
        ),
      );
      expect(results.filter((result) => result.admitted)).toHaveLength(50);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("delivers a change published by one instance to the others", async () => {
    const [one, two] = [await factory.open(), await factory.open()];
    try {
      const heard: string[] = [];
      two.notifier.subscribe((topic) => heard.push(topic));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await one.notifier.publish("control");
      const { vi } = await import("vitest");
      await vi.waitFor(() => expect(heard).toEqual(["control"]));
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("lists: keeps the newest items up to the bound, oldest first, each until its TTL", async () => {
    const state = await factory.open();
    try {
      const list = id();
      const other = id();
      for (let index = 1; index <= 4; index++) {
        await state.lists.append(list, `item-${index}`, { ttlMs: 1_000 * index, maxItems: 3 }, T);
      }
      await state.lists.append(other, "alone", { ttlMs: 10_000, maxItems: 1 }, T);
      expect(await state.lists.read([list, other, id()], T + 1)).toEqual([
        ["item-2", "item-3", "item-4"],
        ["alone"],
        [],
      ]);
      // item-2 lived 2 s, item-3 3 s: time is passed in, never slept through.
      expect(await state.lists.read([list], T + 2_500)).toEqual([["item-3", "item-4"]]);
      expect(await state.lists.read([list], T + 4_001)).toEqual([[]]);
    } finally {
      await state.close();
    }
  });

  it("lists: what one instance appends, another reads", async () => {
    const [one, two] = [await factory.open(), await factory.open()];
    try {
      const list = id();
      await one.lists.append(list, JSON.stringify({ answer: "a|b" }), { ttlMs: 60_000, maxItems: 2 }, T);
      await two.lists.append(list, "second", { ttlMs: 60_000, maxItems: 2 }, T + 1);
      expect(await one.lists.read([list], T + 2)).toEqual([[JSON.stringify({ answer: "a|b" }), "second"]]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
}
