/**
 * Stage: explain (`POST /v1/routing/explain`). Answers with the routing decision route just made —
 * rule, strategy, candidates with scores and skip reasons, the order dispatch would try — instead
 * of dispatching. Nothing is sent to any provider and no breaker or rule counter moves.
 */
import type { RequestContext, StageResponse } from "./request-context.js";

export function explain(context: RequestContext): StageResponse | undefined {
  if (context.operation !== "explain") return undefined;
  const decision = context.decision;
  return {
    status: 200,
    body: {
      object: "routing.decision",
      model: context.requestedModel,
      rule: decision?.rule ?? null,
      strategy: decision?.strategy ?? null,
      candidates: (decision?.candidates ?? []).map((candidate) => ({
        provider: candidate.target.provider.id,
        model: candidate.target.model,
        source: candidate.source,
        score: candidate.score,
        skipped: candidate.skipped,
        circuit: context.services.breakers.get(candidate.key).current(),
      })),
      order: context.targets.map((target) => ({ provider: target.provider.id, model: target.model })),
      all_circuits_open: decision?.allCircuitsOpen ?? false,
    },
  };
}
