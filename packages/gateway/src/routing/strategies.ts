/**
 * Routing strategies: given a rule's targets and what is known about them, the order in which to
 * try them, with the score that put each where it is. Pure: randomness, counters, statistics and
 * prices come in as arguments, so tests are deterministic.
 */
import type { TargetStatisticsSource } from "./target-stats.js";

export type StrategyName =
  | "fallback"
  | "round_robin"
  | "weighted"
  | "latency_based"
  | "feedback_driven"
  | "smart_cost";

export interface RuleTarget {
  /** `provider/model`, the key for statistics and breakers. */
  key: string;
  weight: number;
}

export interface ScoredTarget<T extends RuleTarget> {
  target: T;
  /** Higher is better; what the strategy ranked by (see `scoreMeaning`). */
  score: number;
}

export interface StrategyInputs {
  /** Uniform in [0, 1). */
  random: () => number;
  /** How many requests this rule has routed before (round robin's position). */
  sequence: number;
  stats: TargetStatisticsSource;
  /** USD per million tokens (prompt + completion, averaged), or null when unknown. */
  costPerMillionTokens: (key: string) => number | null;
  /** Share of requests sent to a random target so a recovered one is noticed (latency, feedback). */
  exploration: number;
  /** smart_cost: the success rate a target must keep to be preferred. */
  successFloor: number;
}

export const scoreMeaning: Record<StrategyName, string> = {
  fallback: "position in the rule (first = highest)",
  round_robin: "position in this request's rotation",
  weighted: "weight drawn first, then by weight",
  latency_based: "inverse of the moving-average latency (ms⁻¹)",
  feedback_driven: "feedback score per unit cost",
  smart_cost: "inverse of cost, among targets meeting the success floor",
};

export function orderTargets<T extends RuleTarget>(
  strategy: StrategyName,
  targets: readonly T[],
  inputs: StrategyInputs,
): ScoredTarget<T>[] {
  switch (strategy) {
    case "fallback":
      return targets.map((target, index) => ({ target, score: targets.length - index }));
    case "round_robin": {
      const start = targets.length === 0 ? 0 : inputs.sequence % targets.length;
      const rotated = [...targets.slice(start), ...targets.slice(0, start)];
      return rotated.map((target, index) => ({ target, score: targets.length - index }));
    }
    case "weighted":
      return weightedOrder(targets, inputs.random);
    case "latency_based":
      return explore(latencyOrder(targets, inputs), inputs);
    case "feedback_driven":
      return explore(feedbackOrder(targets, inputs), inputs);
    case "smart_cost":
      return costOrder(targets, inputs);
  }
}

/** Draws without replacement by weight: the first target is chosen with probability weight/total. */
function weightedOrder<T extends RuleTarget>(targets: readonly T[], random: () => number): ScoredTarget<T>[] {
  const remaining = targets.filter((target) => target.weight > 0);
  const zero = targets.filter((target) => !(target.weight > 0));
  const ordered: ScoredTarget<T>[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, target) => sum + target.weight, 0);
    let draw = random() * total;
    let index = remaining.findIndex((target) => {
      draw -= target.weight;
      return draw < 0;
    });
    if (index < 0) index = remaining.length - 1;
    const [chosen] = remaining.splice(index, 1) as [T];
    ordered.push({ target: chosen, score: chosen.weight });
  }
  return [...ordered, ...zero.map((target) => ({ target, score: 0 }))];
}

/** Unmeasured targets go first (score Infinity) so each is measured at least once. */
function latencyOrder<T extends RuleTarget>(
  targets: readonly T[],
  inputs: StrategyInputs,
): ScoredTarget<T>[] {
  return stableSort(
    targets.map((target) => {
      const stats = inputs.stats.get(target.key);
      const latency = stats.latencyMs;
      // A failing target's latency says little; weigh it by its success rate.
      const score =
        latency === null ? Number.POSITIVE_INFINITY : stats.successRate / Math.max(latency, 0.001);
      return { target, score };
    }),
  );
}

/** Until a target has feedback, it is ranked as latency_based would rank it. */
function feedbackOrder<T extends RuleTarget>(
  targets: readonly T[],
  inputs: StrategyInputs,
): ScoredTarget<T>[] {
  const anyFeedback = targets.some((target) => inputs.stats.get(target.key).feedbackScore !== null);
  if (!anyFeedback) return latencyOrder(targets, inputs);
  return stableSort(
    targets.map((target) => {
      const stats = inputs.stats.get(target.key);
      const cost = inputs.costPerMillionTokens(target.key);
      const quality = (stats.feedbackScore ?? 0.5) * stats.successRate;
      return { target, score: cost === null || cost <= 0 ? quality : quality / cost };
    }),
  );
}

function costOrder<T extends RuleTarget>(targets: readonly T[], inputs: StrategyInputs): ScoredTarget<T>[] {
  const scored = targets.map((target) => {
    const cost = inputs.costPerMillionTokens(target.key);
    const stats = inputs.stats.get(target.key);
    // The floor holds for what callers say of the answers too, once they have said anything.
    const healthy =
      stats.successRate >= inputs.successFloor &&
      (stats.feedbackScore === null || stats.feedbackScore >= inputs.successFloor);
    // Unknown cost ranks after every priced target; below the floor ranks after every healthy one.
    const base = cost === null ? 0 : 1 / Math.max(cost, 1e-9);
    return { target, score: healthy ? base + 1 : base / (1 + base) };
  });
  return stableSort(scored);
}

/**
 * With probability `exploration`, another target (never the one already first, which would waste
 * the draw) moves to the front, so a target that recovered is measured again.
 */
function explore<T extends RuleTarget>(
  ordered: ScoredTarget<T>[],
  inputs: StrategyInputs,
): ScoredTarget<T>[] {
  if (ordered.length < 2 || inputs.random() >= inputs.exploration) return ordered;
  const index = 1 + Math.floor(inputs.random() * (ordered.length - 1));
  const [picked] = ordered.splice(index, 1) as [ScoredTarget<T>];
  return [picked, ...ordered];
}

function stableSort<T>(scored: Array<{ target: T; score: number }>): Array<{ target: T; score: number }> {
  return scored
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => b.entry.score - a.entry.score || a.index - b.index)
    .map(({ entry }) => entry);
}
