/**
 * Stage: route. Turns the request into the ordered list of targets dispatch will try, and the
 * decision that explains it (routing/router.ts has the order of composition): a routing rule —
 * the `floopy-routing-rule` header's, else the key's default — orders its targets by its strategy;
 * the requested model (`floopy-model-override` replaces the body's; a comma-separated model is a
 * chain) and the `floopy-fallback` models follow. A member that cannot be tried (provider not
 * enabled, model unknown) is skipped and recorded; the request fails only when none is left.
 * Targets whose circuit is open are tried last, as last resorts.
 */
import { GatewayError } from "../errors/gateway-error.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import { experimentVariant } from "../routing/experiment-split.js";
import { decide, type Member, type RoutingRule, type UnusableReason } from "../routing/router.js";
import { DEFAULT_SUCCESS_FLOOR } from "../routing/rule-definitions.js";
import type { RequestContext } from "./request-context.js";

/** Share of latency- and feedback-routed requests sent to a random target, to notice recoveries. */
const EXPLORATION = 0.05;

export function targetKey(target: ResolvedModel): string {
  return `${target.provider.id}/${target.model}`;
}

export function route(context: RequestContext): undefined {
  const { services } = context;
  const bodyModel =
    typeof context.body?.model === "string" ? context.body.model : (context.routeFacts.model ?? "");
  const requested = context.metadata.modelOverride ?? bodyModel;
  context.requestedModel = requested;
  const rule = experimentRule(context, selectRule(context));
  const requestTargets = [
    ...splitChain(requested).map((reference) => ({ reference, source: "model" as const })),
    ...context.metadata.fallbackModels.map((reference) => ({ reference, source: "fallback" as const })),
  ].map(({ reference, source }) => ({
    ...resolve(context, reference, source === "model" ? "model" : "floopy-fallback"),
    source,
  }));
  const ruleTargets = (rule?.targets ?? []).map(({ model, weight }) => ({
    ...resolve(context, model, "floopy-routing-rule"),
    weight,
  }));
  const members = [...requestTargets, ...ruleTargets];
  if (members.length === 0) {
    throw new GatewayError("BAD_REQUEST", "No model was given.", { param: "model" });
  }
  // Only when no member can be tried is the request an error: the first member's.
  const first = members[0];
  if (members.every((member) => member.target === null) && first?.target === null) throw first.error;
  const sequence = rule ? (services.ruleSequence.get(rule.name) ?? 0) : 0;
  if (rule && context.operation !== "explain") services.ruleSequence.set(rule.name, sequence + 1);
  const decision = decide<ResolvedModel>({
    rule,
    ruleTargets,
    requestTargets,
    strategy: {
      random: services.random,
      sequence,
      stats: services.targetStats,
      costPerMillionTokens: (key) => {
        const slash = key.indexOf("/");
        return services.prices.blendedPerMillion(key.slice(0, slash), key.slice(slash + 1));
      },
      exploration: EXPLORATION,
      successFloor: rule?.successFloor ?? DEFAULT_SUCCESS_FLOOR,
    },
    circuit: (key) => {
      const breaker = services.breakers.get(key);
      return { state: breaker.current(), openedSince: breaker.openedSince() };
    },
  });
  context.rule = rule;
  context.decision = decision;
  context.targets = [...decision.order, ...decision.lastResort];
  return undefined;
}

/** Rules route generation only: embeddings and counts go to the model asked for. */
function selectRule(context: RequestContext): RoutingRule | null {
  if (context.operation === "embed" || context.operation === "count_tokens") return null;
  const { snapshot } = context.services;
  const named = context.metadata.routingRule;
  if (named !== null) {
    const rule = snapshot.rule(named);
    if (!rule) {
      throw new GatewayError("BAD_REQUEST", `There is no routing rule named '${named}'.`, {
        param: "floopy-routing-rule",
      });
    }
    return rule;
  }
  const keyRule = context.key?.routingRule;
  return keyRule ? (snapshot.rule(keyRule) ?? null) : null;
}

/**
 * An active experiment on the rule takes its split of the rule's traffic to variant B's rule
 * (sticky per session, else per request); the rest stays on A. Either way the request records
 * the experiment and its variant. A B rule deleted since keeps its share on A, recorded as A.
 */
function experimentRule(context: RequestContext, rule: RoutingRule | null): RoutingRule | null {
  const orgId = context.key?.orgId;
  if (rule === null || orgId === undefined) return rule;
  const { snapshot } = context.services;
  const experiment = snapshot.experiment(orgId, rule.name);
  if (experiment === undefined) return rule;
  const variant = experimentVariant(
    experiment.id,
    context.metadata.sessionId ?? context.id,
    experiment.splitPercentage,
  );
  const variantRule = variant === "B" ? snapshot.rule(experiment.variantBRule) : undefined;
  context.experiment = { id: experiment.id, variant: variantRule === undefined ? "A" : "B" };
  return variantRule ?? rule;
}

type Unresolved = Extract<Member<ResolvedModel>, { target: null }> & { error: GatewayError };

/** A chain, fallback or rule member as a target, or why it cannot be one and the error it would be. */
function resolve(
  context: RequestContext,
  reference: string,
  param: string,
): Extract<Member<ResolvedModel>, { target: ResolvedModel }> | Unresolved {
  // A provider stored for one org is in that org's catalogue only.
  const resolution = context.services.providers.catalogueFor(context.key?.orgId ?? null).resolve(reference);
  if (!resolution.ok) {
    const error = new GatewayError("NOT_FOUND", resolution.message, { param, wireCode: "model_not_found" });
    return unresolved(reference, resolution.reason, resolution.message, error);
  }
  const target = resolution.value;
  if (context.operation === "embed" && !target.provider.declaration.supportsEmbeddings) {
    const message = `The provider '${target.provider.id}' does not serve embeddings (model '${reference}').`;
    const error = new GatewayError("BAD_REQUEST", message, { param: "model" });
    return unresolved(reference, "embeddings_unsupported", message, error);
  }
  return { key: targetKey(target), target };
}

function unresolved(
  reference: string,
  reason: UnusableReason,
  detail: string,
  error: GatewayError,
): Unresolved {
  return { key: reference, target: null, unusable: { reason, detail }, error };
}

function splitChain(model: string): string[] {
  if (!model.includes(",")) return model.trim() === "" ? [] : [model.trim()];
  return model
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
