/**
 * Prometheus metrics. One registry per gateway instance (tests run several in one process).
 * Labels carry provider ids, models, routes and statuses only — never keys, users or content.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "floopy_requests_total",
    help: "Requests answered, by route, provider, model and HTTP status",
    labelNames: ["route", "provider", "model", "status"] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: "floopy_request_duration_seconds",
    help: "Total time from request received to response finished",
    labelNames: ["route", "provider"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: "floopy_time_to_first_token_seconds",
    help: "Time from request received to the first response byte sent to the caller",
    labelNames: ["route", "provider"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly upstreamAttempts = new Counter({
    name: "floopy_upstream_attempts_total",
    help: "Upstream attempts by provider and outcome (ok or error class)",
    labelNames: ["provider", "outcome"] as const,
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: "floopy_fallbacks_total",
    help: "Requests answered by a target other than the primary",
    registers: [this.registry],
  });
  readonly recordsDropped = new Counter({
    name: "floopy_records_dropped_total",
    help: "Request records dropped (queue full, or the events store failed twice)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly recordsWritten = new Counter({
    name: "floopy_records_written_total",
    help: "Request records written to the events store",
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: "floopy_store_errors_total",
    help: "Store operations that failed, by store and operation",
    labelNames: ["store", "operation"] as const,
    registers: [this.registry],
  });
  readonly recordQueueSize = new Gauge({
    name: "floopy_record_queue_size",
    help: "Records waiting to be written",
    registers: [this.registry],
  });
  readonly circuitState = new Gauge({
    name: "floopy_circuit_state",
    help: "Circuit breaker state per routing target on this instance: 0 closed, 1 half-open, 2 open",
    labelNames: ["target"] as const,
    registers: [this.registry],
  });
  readonly limitRefusals = new Counter({
    name: "floopy_limit_refusals_total",
    help: "Requests refused with a 429 by a rate limit (requests, tokens) or a monthly budget (spend)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly sharedStateFallbacks = new Counter({
    name: "floopy_shared_state_fallbacks_total",
    help: "Shared-state operations answered from this instance's memory because Redis failed",
    registers: [this.registry],
  });
  readonly sharedStateDegraded = new Gauge({
    name: "floopy_shared_state_degraded",
    help: "1 while Redis is unreachable and limits are counted per instance, 0 otherwise",
    registers: [this.registry],
  });
  readonly uncleanStops = new Counter({
    name: "floopy_unclean_stops_total",
    help: "Gateway processes found, at start, to have stopped without a clean shutdown (records may be missing)",
    registers: [this.registry],
  });
  readonly recordsMissingSince = new Gauge({
    name: "floopy_records_missing_since_seconds",
    help: "Unix time after which request records of the last process that stopped uncleanly may be missing",
    registers: [this.registry],
  });
  readonly clientAborts = new Counter({
    name: "floopy_client_aborts_total",
    help: "Requests whose caller went away (disconnect or slow reader) before the response finished",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: "floopy_cache_lookups_total",
    help: "Requests that consulted the cache, by result: hit_exact, hit_semantic, miss, error (a store that failed answers a miss)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly cacheStores = new Counter({
    name: "floopy_cache_stores_total",
    help: "Answers offered to the cache after the response, by outcome: stored, skipped (not a complete answer), error",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly firewallVerdicts = new Counter({
    name: "floopy_firewall_verdicts_total",
    help: "Prompts screened by the firewall, by decision (allow, block_input, redact) and the tier that decided (local, verdict_cache, model, on_error)",
    labelNames: ["decision", "tier"] as const,
    registers: [this.registry],
  });
  readonly internalCalls = new Counter({
    name: "floopy_internal_calls_total",
    help: "Calls the gateway made on its own behalf (firewall safety model, cache embedder), by outcome",
    labelNames: ["purpose", "outcome"] as const,
    registers: [this.registry],
  });
  readonly internalCallDuration = new Histogram({
    name: "floopy_internal_call_duration_seconds",
    help: "Duration of the gateway's own calls (firewall safety model, cache embedder)",
    labelNames: ["purpose"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
}
