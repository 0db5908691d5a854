/**
 * The requests still in the pipeline, after-response stages included: a graceful stop waits for
 * the last record to be queued before it flushes the queue, and Floopy's own API waits for the
 * records of requests already answered (a caller may read its session, or send feedback on an
 * answer, before the answer's record is built: after-response stages run a tick later).
 */
import type { RequestContext } from "./request-context.js";

export class InFlightRequests {
  private readonly running = new Map<RequestContext, Array<() => void>>();
  private waiters: Array<() => void> = [];

  enter(context: RequestContext): void {
    this.running.set(context, []);
  }

  leave(context: RequestContext): void {
    const waiting = this.running.get(context);
    this.running.delete(context);
    for (const resolve of waiting ?? []) resolve();
    if (this.running.size === 0) {
      for (const resolve of this.waiters.splice(0)) resolve();
    }
  }

  get size(): number {
    return this.running.size;
  }

  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every request that matches and has already been answered has left the pipeline. */
  async recorded(matches: (context: RequestContext) => boolean): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const [context, waiting] of this.running) {
      if (context.response.writableEnded && matches(context)) {
        pending.push(new Promise((resolve) => waiting.push(resolve)));
      }
    }
    await Promise.all(pending);
  }
}
