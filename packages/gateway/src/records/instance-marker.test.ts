import { describe, expect, it } from "vitest";
import type { GatewayInstanceRecord } from "../store/types.js";
import { InstanceMarker, type InstanceMarkerOptions } from "./instance-marker.js";

function memoryStore() {
  const rows = new Map<string, GatewayInstanceRecord>();
  const store: InstanceMarkerOptions["store"] = {
    listGatewayInstances: async () => [...rows.values()],
    saveGatewayInstance: async (row) => {
      rows.set(row.id, row);
    },
    removeGatewayInstance: async (id) => rows.delete(id),
  };
  return { rows, store };
}

const row = (id: string, host: string, pid: number, seenAt: number): GatewayInstanceRecord => ({
  id,
  host,
  pid,
  startedAt: new Date(0),
  flushedAt: new Date(seenAt - 500),
  seenAt: new Date(seenAt),
});

describe("instance marker", () => {
  const now = 1_000_000;
  const marker = (store: InstanceMarkerOptions["store"], running: number[]) =>
    new InstanceMarker({
      store,
      staleAfterMs: 60_000,
      heartbeatMs: 10_000,
      host: "here",
      pid: 42,
      now: () => now,
      isRunning: (pid) => running.includes(pid),
    });

  it("claims the rows of processes that are gone, and only those", async () => {
    const { rows, store } = memoryStore();
    for (const entry of [
      row("dead-here", "here", 7, now - 1_000),
      row("own-pid-reused", "here", 42, now - 1_000),
      row("running-here", "here", 8, now - 1_000),
      row("fresh-elsewhere", "there", 7, now - 59_000),
      row("stale-elsewhere", "there", 7, now - 61_000),
    ]) {
      rows.set(entry.id, entry);
    }
    const claimed = await marker(store, [8]).claimUncleanStops();
    expect(claimed.map((entry) => entry.id).sort()).toEqual([
      "dead-here",
      "own-pid-reused",
      "stale-elsewhere",
    ]);
    expect([...rows.keys()].sort()).toEqual(["fresh-elsewhere", "running-here"]);
    // Claimed once: a second instance starting at the same time finds nothing left.
    expect(await marker(store, [8]).claimUncleanStops()).toEqual([]);
  });

  it("never claims an instance running in this process; a clean stop removes its row", async () => {
    const { rows, store } = memoryStore();
    const first = marker(store, []);
    await first.start();
    expect(rows.has(first.id)).toBe(true);
    expect(await marker(store, []).claimUncleanStops()).toEqual([]);
    first.noteFlushed(now - 10, 3);
    await first.stop();
    expect(rows.size).toBe(0);
  });

  it("rewrites its row after flushes that wrote records, and at the heartbeat otherwise", async () => {
    const { rows, store } = memoryStore();
    let clock = now;
    const again = new InstanceMarker({ store, staleAfterMs: 60_000, heartbeatMs: 10_000, now: () => clock });
    await again.start();
    clock += 1_000;
    again.noteFlushed(clock, 0);
    await Promise.resolve();
    expect(rows.get(again.id)?.flushedAt.getTime()).toBe(now);
    clock += 10_000;
    again.noteFlushed(clock, 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rows.get(again.id)?.flushedAt.getTime()).toBe(clock);
    await again.stop();
  });
});
