/**
 * The features a plan can include: one typed list, so the admin API validates plan bodies against
 * it, `requireFeature` takes only a name from it, and docs/plans.md lists the same names (a test
 * keeps them in step). `routing_explain`, `decision_export`, `semantic_cache` and `firewall` (when a request asks for it)
 * are gated today; the others name features later releases add, each gated where it is built, so a
 * plan written now already says whether it has them.
 */

export const planFeatures = {
  routing_explain: "the routing dry run, POST /v1/routing/explain",
  experiments: "A/B experiments between routing rules",
  decision_export: "the streamed export of routing decisions",
  evaluations: "evaluation runs over datasets",
  semantic_cache: "the semantic cache",
  firewall: "the LLM firewall pre-check",
  prompts: "the prompt library",
  feedback_routing: "routing driven by feedback (the feedback_driven strategy)",
} as const satisfies Record<string, string>;

export type PlanFeature = keyof typeof planFeatures;

export const planFeatureNames = Object.keys(planFeatures) as PlanFeature[];

export function isPlanFeature(value: string): value is PlanFeature {
  return Object.hasOwn(planFeatures, value);
}
