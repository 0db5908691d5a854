/**
 * A warning that may fire thousands of times a second under load (records dropped by a full
 * queue) is logged at most once per interval, with the counts accumulated since the last line.
 */
import type { Logger } from "pino";

export class ThrottledWarning {
  private pending: Record<string, number> = {};
  private lastLoggedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs: number,
  ) {}

  note(count: number, reason: string): void {
    this.pending[reason] = (this.pending[reason] ?? 0) + count;
    const now = Date.now();
    if (now - this.lastLoggedAt >= this.intervalMs) this.flush(now);
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(Date.now()), this.intervalMs - (now - this.lastLoggedAt));
      this.timer.unref();
    }
  }

  private flush(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (Object.keys(this.pending).length === 0) return;
    this.logger.warn({ counts: this.pending }, this.message);
    this.pending = {};
    this.lastLoggedAt = now;
  }
}
