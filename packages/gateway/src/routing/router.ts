/**
 * Routing decisions: which targets a request tries, in which order, and why. Pure over its
 * inputs (the rule, the resolved targets, strategy inputs, breaker states); the route stage does
 * the lookups and keeps the decision on the request context for dispatch, the record and
 * `POST /v1/routing/explain`.
 *
 * Composition order, documented in docs/routing.md: `floopy-model-override` replaces the body's
 * model; a rule (the `floopy-routing-rule` header's, else the key's default) orders its own targets
 * by its strategy, first; the request's model chain (`"a,b"`) follows, then `floopy-fallback`;
 * duplicates are tried once. Targets whose breaker is open are skipped, unless every target is open,
 * in which case all are tried in order rather than failing without trying.
 */
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

export interface Candidate<T> {
  /** `provider/model`. */
  key: string;
  target: T;
  source: "rule" | "model" | "fallback";
  score: number | null;
  skipped: "circuit_open" | null;
}

export interface RoutingDecision<T> {
  rule: string | null;
  strategy: StrategyName | null;
  candidates: Candidate<T>[];
  /** What will be tried, in order. */
  order: T[];
  /** True when every candidate's breaker was open and they are tried anyway. */
  allCircuitsOpen: boolean;
}

export interface DecideInput<T> {
  rule: RoutingRule | null;
  /** The rule's targets, resolved, in the rule's order (same length as rule.targets). */
  ruleTargets: Array<{ key: string; weight: number; target: T }>;
  /** The request's own chain and fallbacks, resolved, in order. */
  requestTargets: Array<{ key: string; target: T; source: "model" | "fallback" }>;
  strategy: StrategyInputs;
  isOpen: (key: string) => boolean;
}

export function decide<T>(input: DecideInput<T>): RoutingDecision<T> {
  const candidates: Candidate<T>[] = [];
  const seen = new Set<string>();
  if (input.rule) {
    const ruleTargets: Array<RuleTarget & { target: T }> = input.ruleTargets;
    for (const { target: entry, score } of orderTargets(input.rule.strategy, ruleTargets, input.strategy)) {
      if (seen.has(entry.key)) continue;
      seen.add(entry.key);
      candidates.push({
        key: entry.key,
        target: entry.target,
        source: "rule",
        score: round(score),
        skipped: null,
      });
    }
  }
  for (const entry of input.requestTargets) {
    if (seen.has(entry.key)) continue;
    seen.add(entry.key);
    candidates.push({
      key: entry.key,
      target: entry.target,
      source: entry.source,
      score: null,
      skipped: null,
    });
  }
  for (const candidate of candidates) if (input.isOpen(candidate.key)) candidate.skipped = "circuit_open";
  const open = candidates.filter((candidate) => candidate.skipped === null);
  const allCircuitsOpen = open.length === 0 && candidates.length > 0;
  return {
    rule: input.rule?.name ?? null,
    strategy: input.rule?.strategy ?? null,
    candidates,
    order: (allCircuitsOpen ? candidates : open).map((candidate) => candidate.target),
    allCircuitsOpen,
  };
}

function round(score: number): number | null {
  if (!Number.isFinite(score)) return null;
  return Math.round(score * 1e6) / 1e6;
}
