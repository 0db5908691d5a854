import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import type { ControlStore } from "../store/types.js";
import { ControlSnapshot } from "./control-snapshot.js";

/** A control store that answers empty lists, whose version reads can be made to fail. */
function flakyStore() {
  const state = { version: 1, failures: 0, loads: 0, duringLoad: undefined as (() => void) | undefined };
  const store = {
    controlVersion: async () => {
      if (state.failures > 0) {
        state.failures--;
        throw new Error("connection terminated");
      }
      return state.version;
    },
    listApiKeys: async () => {
      state.loads++;
      const during = state.duringLoad;
      state.duringLoad = undefined;
      during?.();
      return [];
    },
    listRoutingRules: async () => [],
    listConstraints: async () => [],
    listProviders: async () => [],
    listPlans: async () => [],
    listOrgPlans: async () => [],
  } as unknown as ControlStore;
  return { store, state };
}

describe("control snapshot refresh", () => {
  it("retries a failed refresh soon, backing off, instead of waiting for the next poll", async () => {
    vi.useFakeTimers();
    try {
      const { store, state } = flakyStore();
      const snapshot = new ControlSnapshot({ store, pollMs: 30_000, logger: pino({ level: "silent" }) });
      await snapshot.load();
      expect(state.loads).toBe(1);
      state.version = 2;
      state.failures = 2;
      await snapshot.refresh(); // fails; retried after 100 ms, then 200 ms
      await vi.advanceTimersByTimeAsync(100);
      expect(state.loads).toBe(1);
      await vi.advanceTimersByTimeAsync(200);
      expect(state.loads).toBe(2);
      expect(snapshot.current.version).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("runs a refresh asked for during another once more after it", async () => {
    const { store, state } = flakyStore();
    const snapshot = new ControlSnapshot({ store, pollMs: 30_000, logger: pino({ level: "silent" }) });
    await snapshot.load();
    state.version = 2;
    let second: Promise<void> | undefined;
    // A write (and its notification) while the refresh that read version 2 is loading.
    state.duringLoad = () => {
      state.version = 3;
      second = snapshot.refresh();
    };
    await snapshot.refresh();
    await second;
    expect(snapshot.current.version).toBe(3);
  });
});
