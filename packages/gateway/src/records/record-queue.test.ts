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
