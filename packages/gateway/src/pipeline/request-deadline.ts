/**
 * A request's one deadline: the server's `request_deadline_ms`, tightened by a routing rule's
 * `timeout_ms.total`. When it passes it aborts the request's signal with a 504, whatever the
 * request is doing — waiting for a first byte, reading a JSON answer that drips in, forwarding a
 * stream that stalled — so the upstream request is aborted with it. Idle timers alone cannot do
 * this: a body that sends one byte at a time is never idle.
 */
import { performance } from "node:perf_hooks";
import { deadlineError } from "./abort-reasons.js";

export class RequestDeadline {
  /** When the request must be over (performance.now() time); Infinity until started. */
  at = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly abort: AbortController,
    private readonly startedAt: number,
  ) {}

  /** Arms the server's deadline. */
  start(limitMs: number): void {
    this.arm(limitMs);
  }

  /** Brings the deadline forward to `limitMs` after the request started; never pushes it back. */
  tighten(limitMs: number): void {
    if (this.startedAt + limitMs < this.at) this.arm(limitMs);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(limitMs: number): void {
    this.clear();
    this.at = this.startedAt + limitMs;
    const abort = this.abort;
    this.timer = setTimeout(
      () => {
        if (!abort.signal.aborted) abort.abort(deadlineError(limitMs));
      },
      Math.max(0, this.at - performance.now()),
    );
  }
}
