/**
 * Routing decisions: which targets a request tries, in which order, and why. Pure over its
 * inputs (the rule, the resolved targets, strategy inputs, breaker states); the route stage does
 * the lookups and keeps the decision on the request context for dispatch, the record and
 * `POST /v1/routing/explain`.
 *
 * Composition order, documented in docs/routing.md: `floopy-model-override` replaces the body's
 * model; a rule (the `floopy-routing-rule` header's, else the key's default) orders its own targets
 * by its strategy, first; the request's model chain (`"a,b"`) follows, then `floopy-fallback`;
 * duplicates are tried once.
 *
 * A member that cannot be tried at all (its provider is not enabled, its model is unknown, it
 * cannot serve the operation) is kept as a candidate with its skip reason and never tried; the
 * request is an error only when no member is left (route throws the first member's error).
 * Targets whose breaker is open are skipped in their turn and kept as last resorts: once every
 * target in the order has failed, and so whenever every target left is open, they are tried
 * anyway, half-open first, then the one opened longest ago (`lastResortOrder`), rather than
 * failing a request that one of them might answer. Dispatch marks each one it tries `triedAnyway`.
 */
import type { BreakerState } from "./circuit-breaker.js";
import { orderTargets, type RuleTarget, type StrategyInputs, type StrategyName } from "./strategies.js";

export interface RoutingRule {
  name: string;
  strategy: StrategyName;
  targets: Array<{ model: string; weight: number }>;
  retry: { attempts: number; on: string[]; backoffMs: number };
  timeoutMs: { attempt: number | null; total: number | null };
  /** smart_cost: the recent success rate a target needs to be preferred on price. */
  successFloor: number;
}

/** Why a member can never be tried on this gateway for this request. */
export type UnusableReason =
  | "provider_not_enabled"
  | "unknown_model"
  | "unknown_provider"
  | "embeddings_unsupported";

export type SkipReason = "circuit_open" | UnusableReason;

export interface Candidate<T> {
  /** `provider/model`; for an unusable member, the reference as the request or rule gave it. */
  key: string;
  /** Null for an unusable member. */
  target: T | null;
  source: "rule" | "model" | "fallback";
  score: number | null;
  skipped: SkipReason | null;
  /** An unusable member's reason in words (names the model and the provider). */
  detail: string | null;
  /** Set by dispatch: tried although its circuit was open, because every target left was open. */
  triedAnyway: boolean;
}

export interface RoutingDecision<T> {
  rule: string | null;
  strategy: StrategyName | null;
  candidates: Candidate<T>[];
  /** What will be tried in turn, in order. */
  order: T[];
  /** Targets whose circuit was open, tried anyway once `order` is exhausted (`lastResortOrder`). */
  lastResort: T[];
  /** True when no target had a closed circuit: every one is tried anyway, as a last resort. */
  allCircuitsOpen: boolean;
}

/** A member of the chain as route resolved it: a target, or why it cannot be one. */
export type Member<T> =
  | { key: string; target: T; unusable?: undefined }
  | { key: string; target: null; unusable: { reason: UnusableReason; detail: string } };

export interface CircuitView {
  state: BreakerState;
  /** When an open circuit opened (the breaker clock's time); null otherwise. */
  openedSince: number | null;
}

export interface DecideInput<T> {
  rule: RoutingRule | null;
  /** The rule's targets, resolved, in the rule's order (same length as rule.targets). */
  ruleTargets: Array<Member<T> & { weight: number }>;
  /** The request's own chain and fallbacks, resolved, in order. */
  requestTargets: Array<Member<T> & { source: "model" | "fallback" }>;
  strategy: StrategyInputs;
  circuit: (key: string) => CircuitView;
}

export function decide<T>(input: DecideInput<T>): RoutingDecision<T> {
  const candidates: Candidate<T>[] = [];
  const seen = new Set<string>();
  const add = (member: Member<T>, source: Candidate<T>["source"], score: number | null) => {
    if (seen.has(member.key)) return;
    seen.add(member.key);
    candidates.push({
      key: member.key,
      target: member.target,
      source,
      score,
      skipped: member.unusable?.reason ?? null,
      detail: member.unusable?.detail ?? null,
      triedAnyway: false,
    });
  };
  if (input.rule) {
    // The strategy orders what can be tried; a rule target that became unusable is listed after.
    const usable: Array<RuleTarget & { member: Member<T> }> = [];
    for (const member of input.ruleTargets) {
      if (member.target !== null) usable.push({ key: member.key, weight: member.weight, member });
    }
    for (const { target: entry, score } of orderTargets(input.rule.strategy, usable, input.strategy)) {
      add(entry.member, "rule", round(score));
    }
    for (const member of input.ruleTargets) if (member.target === null) add(member, "rule", null);
  }
  for (const member of input.requestTargets) add(member, member.source, null);
  const order: T[] = [];
  const open: Array<{ target: T; circuit: CircuitView }> = [];
  for (const candidate of candidates) {
    if (candidate.target === null) continue;
    const circuit = input.circuit(candidate.key);
    if (circuit.state === "open") {
      candidate.skipped = "circuit_open";
      open.push({ target: candidate.target, circuit });
    } else {
      order.push(candidate.target);
    }
  }
  return {
    rule: input.rule?.name ?? null,
    strategy: input.rule?.strategy ?? null,
    candidates,
    order,
    lastResort: lastResortOrder(open),
    allCircuitsOpen: order.length === 0 && open.length > 0,
  };
}

/**
 * The order in which targets skipped for their circuit are tried anyway: any that closed since,
 * then half-open ones (their cool-down is over), then open ones, the one opened longest ago first
 * (it is nearest the end of its cool-down). Ties keep the decision's order.
 */
export function lastResortOrder<T>(entries: ReadonlyArray<{ target: T; circuit: CircuitView }>): T[] {
  const rank = ({ circuit }: { circuit: CircuitView }) =>
    circuit.state === "closed" ? 0 : circuit.state === "half_open" ? 1 : 2;
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) =>
        rank(a.entry) - rank(b.entry) ||
        (a.entry.circuit.openedSince ?? 0) - (b.entry.circuit.openedSince ?? 0) ||
        a.index - b.index,
    )
    .map(({ entry }) => entry.target);
}

function round(score: number): number | null {
  if (!Number.isFinite(score)) return null;
  return Math.round(score * 1e6) / 1e6;
}
