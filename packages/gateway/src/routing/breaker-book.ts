/**
 * One circuit breaker per routing target (`provider/model`), created on first use. Per instance:
 * in the embedded default there is one instance; behind a load balancer each instance judges a
 * target by the traffic it sent itself, which reacts fastest and needs no shared state (see
 * docs/routing.md).
 */
import {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  defaultBreakerOptions,
} from "./circuit-breaker.js";

export class BreakerBook {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly options: BreakerOptions = defaultBreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get(target: string): CircuitBreaker {
    let breaker = this.breakers.get(target);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options, this.now);
      this.breakers.set(target, breaker);
    }
    return breaker;
  }

  /** Current state of every target seen so far, for metrics. */
  states(): Array<{ target: string; state: BreakerState }> {
    return [...this.breakers.entries()].map(([target, breaker]) => ({ target, state: breaker.current() }));
  }
}
