/**
 * The bounded record queue and its batch writer. Enqueueing never blocks and never fails a
 * response: a full queue drops the record and counts it. A background timer flushes batches. A
 * batch that fails because the store is unreachable stays queued and is retried at every flush,
 * so an outage is bridged up to the queue's capacity (beyond it new records are dropped and
 * counted); any other failure is retried once, then the batch is dropped and counted, so one bad
 * batch cannot stop recording. `close()` flushes everything still queued.
 */

export interface RecordQueueCounters {
  enqueued: number;
  written: number;
  droppedFull: number;
  droppedWriteFailed: number;
  writeFailures: number;
}

export interface RecordQueueOptions<T> {
  capacity: number;
  flushIntervalMs: number;
  batchSize?: number;
  write: (batch: readonly T[]) => Promise<void>;
  onDrop?: (count: number, reason: "full" | "write_failed") => void;
  onWriteError?: (error: unknown) => void;
  /**
   * Whether a write failed because the store could not be reached (connection refused, reset,
   * timed out): such a batch is kept for the next flush however often it fails.
   */
  isUnreachable?: (error: unknown) => boolean;
  /**
   * After a flush that left nothing behind: every record enqueued before `upTo` (epoch ms) is
   * written; `written` counts this flush's records (0 for a tick with nothing queued).
   */
  onFlushed?: (upTo: number, written: number) => void;
}

export class RecordQueue<T> {
  private items: T[] = [];
  private retry: { batch: T[]; tries: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  readonly counters: RecordQueueCounters = {
    enqueued: 0,
    written: 0,
    droppedFull: 0,
    droppedWriteFailed: 0,
    writeFailures: 0,
  };

  constructor(private readonly options: RecordQueueOptions<T>) {}

  get size(): number {
    return this.items.length + (this.retry?.batch.length ?? 0);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Returns false when the record was dropped. */
  enqueue(item: T): boolean {
    if (this.closed || this.size >= this.options.capacity) {
      this.counters.droppedFull++;
      this.options.onDrop?.(1, "full");
      return false;
    }
    this.items.push(item);
    this.counters.enqueued++;
    // A full batch is written now rather than at the next tick of the timer: under load this keeps
    // the queue (memory) and each write (event-loop time) small.
    if (this.items.length >= (this.options.batchSize ?? 500) && !this.flushing && this.timer) {
      setImmediate(() => void this.flush());
    }
    return true;
  }

  /** Writes everything queued now, batch by batch. Concurrent calls share one flush. */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    // A flush that was already running when close began may have left records behind.
    if (this.items.length > 0 || this.retry) await this.flush();
    this.closed = true;
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const upTo = Date.now();
    let written = 0;
    if (this.retry) {
      const pending = this.retry;
      this.retry = undefined;
      const failure = await this.writeBatch(pending.batch);
      if (failure !== null) {
        if (this.unreachable(failure)) this.retry = pending;
        else if (pending.tries >= 1) this.dropFailed(pending.batch);
        else this.retry = { batch: pending.batch, tries: pending.tries + 1 };
        return;
      }
      written += pending.batch.length;
    }
    while (this.items.length > 0) {
      const batch = this.items.splice(0, batchSize);
      const failure = await this.writeBatch(batch);
      if (failure !== null) {
        this.retry = { batch, tries: this.unreachable(failure) ? 0 : 1 };
        return;
      }
      written += batch.length;
      // Synchronous drivers (SQLite) block while they write: let requests run between batches.
      if (this.items.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.options.onFlushed?.(upTo, written);
  }

  /** Null when the batch was written, else what the write threw. */
  private async writeBatch(batch: T[]): Promise<{ error: unknown } | null> {
    try {
      await this.options.write(batch);
      this.counters.written += batch.length;
      return null;
    } catch (error) {
      this.counters.writeFailures++;
      this.options.onWriteError?.(error);
      return { error };
    }
  }

  private unreachable(failure: { error: unknown }): boolean {
    return this.options.isUnreachable?.(failure.error) ?? false;
  }

  private dropFailed(batch: T[]): void {
    this.counters.droppedWriteFailed += batch.length;
    this.options.onDrop?.(batch.length, "write_failed");
  }
}
