/**
 * A circuit breaker per routing target. Closed: outcomes are counted in a rolling window; once the
 * window holds at least `minimumRequests` outcomes and the failure rate reaches
 * `failureRateThreshold`, it opens. Open: the target is skipped until `coolDownMs` has passed.
 * Half-open: up to `halfOpenProbes` requests go through as probes; one success closes it, one
 * failure opens it again for another cool-down. A target tried while open (every other target was
 * open too, see routing/router.ts) that answers closes it like a successful probe; one that fails
 * changes nothing, so the cool-down still ends on time. Pure state over an injectable clock: no
 * timers.
 */

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Rolling window over which the failure rate is computed. */
  windowMs: number;
  /** Fewer outcomes than this in the window never open the breaker. */
  minimumRequests: number;
  /** 0..1; the failure rate at which the breaker opens. */
  failureRateThreshold: number;
  coolDownMs: number;
  halfOpenProbes: number;
}

export const defaultBreakerOptions: BreakerOptions = {
  windowMs: 30_000,
  minimumRequests: 10,
  failureRateThreshold: 0.5,
  coolDownMs: 15_000,
  halfOpenProbes: 1,
};

/** Outcomes are kept in one-second buckets so a busy target costs a bounded amount of memory. */
const BUCKET_MS = 1_000;

interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

export class CircuitBreaker {
  private state: BreakerState = "closed";
  private buckets: Bucket[] = [];
  private openedAt = 0;
  private probesInFlight = 0;
  private probeTakenAt = 0;

  constructor(
    private readonly options: BreakerOptions = defaultBreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state as of now (an open breaker whose cool-down passed reads as half-open). */
  current(): BreakerState {
    if (this.state === "open" && this.now() - this.openedAt >= this.options.coolDownMs) {
      this.state = "half_open";
      this.probesInFlight = 0;
    }
    return this.state;
  }

  /** When the breaker last opened (the clock's time), or null when it is not open now. */
  openedSince(): number | null {
    return this.current() === "open" ? this.openedAt : null;
  }

  /** Whether a request may go to this target now; in half-open this takes one probe slot. */
  tryAcquire(): boolean {
    switch (this.current()) {
      case "closed":
        return true;
      case "open":
        return false;
      case "half_open": {
        const now = this.now();
        if (this.probesInFlight >= this.options.halfOpenProbes) {
          // A probe that never reported (the caller's own 4xx, a caller gone) must not hold the
          // slots forever: after a cool-down without an outcome, they are free again.
          if (now - this.probeTakenAt < this.options.coolDownMs) return false;
          this.probesInFlight = 0;
        }
        this.probesInFlight++;
        this.probeTakenAt = now;
        return true;
      }
    }
  }

  recordSuccess(): void {
    if (this.current() !== "closed") {
      this.close();
      return;
    }
    this.bucket().successes++;
  }

  recordFailure(): void {
    const state = this.current();
    if (state === "half_open") {
      this.open();
      return;
    }
    if (state === "open") return;
    this.bucket().failures++;
    const { successes, failures } = this.totals();
    const total = successes + failures;
    if (total >= this.options.minimumRequests && failures / total >= this.options.failureRateThreshold) {
      this.open();
    }
  }

  /** Failure rate and volume in the current window, for decisions and metrics. */
  stats(): { requests: number; failureRate: number } {
    const { successes, failures } = this.totals();
    const requests = successes + failures;
    return { requests, failureRate: requests === 0 ? 0 : failures / requests };
  }

  private open(): void {
    this.state = "open";
    this.openedAt = this.now();
    this.buckets = [];
    this.probesInFlight = 0;
  }

  private close(): void {
    this.state = "closed";
    this.buckets = [];
    this.probesInFlight = 0;
  }

  private bucket(): Bucket {
    const now = this.now();
    this.evict(now);
    const start = now - (now % BUCKET_MS);
    let last = this.buckets.at(-1);
    if (!last || last.start !== start) {
      last = { start, successes: 0, failures: 0 };
      this.buckets.push(last);
    }
    return last;
  }

  private totals(): { successes: number; failures: number } {
    this.evict(this.now());
    let successes = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      successes += bucket.successes;
      failures += bucket.failures;
    }
    return { successes, failures };
  }

  private evict(now: number): void {
    const oldest = now - this.options.windowMs;
    while (this.buckets.length > 0 && (this.buckets[0] as Bucket).start + BUCKET_MS <= oldest) {
      this.buckets.shift();
    }
  }
}
