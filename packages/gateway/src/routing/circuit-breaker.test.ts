import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./circuit-breaker.js";

function breakerWithClock() {
  let now = 1_000_000;
  const breaker = new CircuitBreaker(
    { windowMs: 10_000, minimumRequests: 4, failureRateThreshold: 0.5, coolDownMs: 5_000, halfOpenProbes: 1 },
    () => now,
  );
  return { breaker, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  it("stays closed below the minimum volume, whatever the failure rate", () => {
    const { breaker } = breakerWithClock();
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    expect(breaker.current()).toBe("closed");
    breaker.recordFailure();
    expect(breaker.current()).toBe("open");
    expect(breaker.tryAcquire()).toBe(false);
  });

  it("opens on the failure rate over the window, forgetting outcomes older than the window", () => {
    const { breaker, advance } = breakerWithClock();
    breaker.recordFailure();
    breaker.recordFailure();
    advance(11_000); // those two fall out of the window
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.current()).toBe("closed");
    breaker.recordFailure(); // 2 of 4 in the window
    expect(breaker.current()).toBe("open");
  });

  it("half-opens after the cool-down with a limited number of probes, and closes on success", () => {
    const { breaker, advance } = breakerWithClock();
    for (let index = 0; index < 4; index++) breaker.recordFailure();
    advance(4_999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.current()).toBe("half_open");
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one probe at a time
    breaker.recordSuccess();
    expect(breaker.current()).toBe("closed");
    expect(breaker.stats().requests).toBe(0);
  });

  it("re-opens for another cool-down when a probe fails", () => {
    const { breaker, advance } = breakerWithClock();
    for (let index = 0; index < 4; index++) breaker.recordFailure();
    advance(5_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.current()).toBe("open");
    advance(4_000);
    expect(breaker.current()).toBe("open");
    advance(1_000);
    expect(breaker.current()).toBe("half_open");
  });

  it("says since when it is open, and nothing once it half-opens", () => {
    const { breaker, advance } = breakerWithClock();
    expect(breaker.openedSince()).toBeNull();
    for (let index = 0; index < 4; index++) breaker.recordFailure();
    expect(breaker.openedSince()).toBe(1_000_000);
    advance(5_000);
    expect(breaker.openedSince()).toBeNull();
  });

  it("closes when a target tried while open answers; a failure then does not extend the cool-down", () => {
    const { breaker, advance } = breakerWithClock();
    for (let index = 0; index < 4; index++) breaker.recordFailure();
    advance(1_000);
    breaker.recordFailure(); // tried anyway (every target open) and failed again
    expect(breaker.openedSince()).toBe(1_000_000);
    advance(4_000);
    expect(breaker.current()).toBe("half_open");

    const second = breakerWithClock();
    for (let index = 0; index < 4; index++) second.breaker.recordFailure();
    second.advance(1_000);
    second.breaker.recordSuccess(); // tried anyway and answered
    expect(second.breaker.current()).toBe("closed");
    expect(second.breaker.tryAcquire()).toBe(true);
  });

  it("frees a probe slot whose probe never reported, after a cool-down", () => {
    const { breaker, advance } = breakerWithClock();
    for (let index = 0; index < 4; index++) breaker.recordFailure();
    advance(5_000);
    expect(breaker.tryAcquire()).toBe(true); // this probe's request ends without an outcome
    advance(4_999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });
});
