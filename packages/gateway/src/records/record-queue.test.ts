import { describe, expect, it } from "vitest";
import { RecordQueue } from "./record-queue.js";
import { redactSecrets } from "./redact.js";

describe("record queue", () => {
  it("writes in batches and flushes everything on close", async () => {
    const written: number[][] = [];
    const queue = new RecordQueue<number>({
      capacity: 100,
      flushIntervalMs: 60_000,
      batchSize: 3,
      write: async (batch) => {
        written.push([...batch]);
      },
    });
    for (let index = 0; index < 7; index++) queue.enqueue(index);
    await queue.close();
    expect(written).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(queue.counters).toMatchObject({ enqueued: 7, written: 7, droppedFull: 0 });
  });

  it("reports each flush that left nothing behind, and not one whose batch failed", async () => {
    let fail = false;
    const flushed: Array<[number, number]> = [];
    const queue = new RecordQueue<number>({
      capacity: 100,
      flushIntervalMs: 60_000,
      write: async () => {
        if (fail) throw new Error("store down");
      },
      onFlushed: (upTo, written) => flushed.push([upTo, written]),
    });
    const before = Date.now();
    queue.enqueue(1);
    queue.enqueue(2);
    await queue.flush();
    await queue.flush();
    fail = true;
    queue.enqueue(3);
    await queue.flush();
    expect(flushed.map(([, written]) => written)).toEqual([2, 0]);
    expect(flushed[0]?.[0]).toBeGreaterThanOrEqual(before);
    fail = false;
    await queue.close();
    expect(flushed.map(([, written]) => written)).toEqual([2, 0, 1]);
  });

  it("drops and counts when full, never blocking", () => {
    const drops: number[] = [];
    const queue = new RecordQueue<number>({
      capacity: 2,
      flushIntervalMs: 60_000,
      write: async () => {},
      onDrop: (count) => drops.push(count),
    });
    expect([queue.enqueue(1), queue.enqueue(2), queue.enqueue(3)]).toEqual([true, true, false]);
    expect(queue.counters.droppedFull).toBe(1);
    expect(drops).toEqual([1]);
  });

  it("retries a failed batch once, then drops and counts it; the queue keeps working", async () => {
    let fail = true;
    const written: number[] = [];
    const queue = new RecordQueue<number>({
      capacity: 100,
      flushIntervalMs: 60_000,
      write: async (batch) => {
        if (fail) throw new Error("disk full");
        written.push(...batch);
      },
    });
    queue.enqueue(1);
    await queue.flush();
    expect(queue.counters.writeFailures).toBe(1);
    expect(queue.size).toBe(1);
    await queue.flush();
    expect(queue.counters.droppedWriteFailed).toBe(1);
    fail = false;
    queue.enqueue(2);
    await queue.close();
    expect(written).toEqual([2]);
  });
});

describe("record queue during a store outage", () => {
  it("keeps batches the store could not be reached for, up to capacity, and writes them once it is back", async () => {
    let down = true;
    const written: number[] = [];
    const drops: Array<[number, string]> = [];
    const queue = new RecordQueue<number>({
      capacity: 5,
      flushIntervalMs: 60_000,
      batchSize: 2,
      write: async (batch) => {
        if (down)
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        written.push(...batch);
      },
      isUnreachable: (error) => (error as { code?: string }).code === "ECONNREFUSED",
      onDrop: (count, reason) => drops.push([count, reason]),
    });
    for (const item of [1, 2, 3]) queue.enqueue(item);
    for (let attempt = 0; attempt < 5; attempt++) await queue.flush();
    expect(queue.counters.droppedWriteFailed).toBe(0);
    expect(queue.size).toBe(3);
    expect([queue.enqueue(4), queue.enqueue(5), queue.enqueue(6)]).toEqual([true, true, false]);
    expect(drops).toEqual([[1, "full"]]);
    down = false;
    await queue.close();
    expect(written).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("secret redaction", () => {
  it("removes known secrets and credential-shaped strings", () => {
    const text =
      "Incorrect API key provided: sk-canary-123456789abc. Bearer abcdefghijklmnop, fp_abcdefghijklmnopqrstu, my-own-secret";
    const redacted = redactSecrets(text, ["my-own-secret"]);
    expect(redacted).not.toContain("sk-canary");
    expect(redacted).not.toContain("abcdefghijklmnop,");
    expect(redacted).not.toContain("fp_abcdefghijklmnopqrstu");
    expect(redacted).not.toContain("my-own-secret");
    expect(redacted).toContain("Incorrect API key provided");
  });
});
