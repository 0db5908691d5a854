/**
 * Stage: route. Turns the request into the ordered list of targets dispatch will try, and the
 * decision that explains it (routing/router.ts has the order of composition): a routing rule —
 * the `floopy-routing-rule` header's, else the key's default — orders its targets by its strategy;
 * the requested model (`floopy-model-override` replaces the body's; a comma-separated model is a
 * chain) and the `floopy-fallback` models follow. Targets whose circuit is open are skipped.
 */
import { GatewayError } from "../errors/gateway-error.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import { decide, type RoutingRule } from "../routing/router.js";
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
  const rule = selectRule(context);
  const requestTargets = [
    ...splitChain(requested).map((reference) => ({ reference, source: "model" as const })),
    ...context.metadata.fallbackModels.map((reference) => ({ reference, source: "fallback" as const })),
  ].map(({ reference, source }, index) => {
    const target = resolve(context, reference, index === 0 ? "model" : "floopy-fallback");
    return { key: targetKey(target), target, source };
  });
  const ruleTargets = (rule?.targets ?? []).map(({ model, weight }) => {
    const target = resolve(context, model, "floopy-routing-rule");
    return { key: targetKey(target), weight, target };
  });
  if (requestTargets.length === 0 && ruleTargets.length === 0) {
    throw new GatewayError("BAD_REQUEST", "No model was given.", { param: "model" });
  }
  const sequence = rule ? (services.ruleSequence.get(rule.name) ?? 0) : 0;
  if (rule && context.operation !== "explain") services.ruleSequence.set(rule.name, sequence + 1);
  const decision = decide({
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
    isOpen: (key) => services.breakers.get(key).current() === "open",
  });
  context.rule = rule;
  context.decision = decision;
  context.targets = decision.order;
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

function resolve(context: RequestContext, reference: string, param: string): ResolvedModel {
  const resolution = context.services.catalogue.resolve(reference);
  if (!resolution.ok) {
    throw new GatewayError("NOT_FOUND", resolution.message, { param, wireCode: "model_not_found" });
  }
  if (context.operation === "embed" && !resolution.value.provider.declaration.supportsEmbeddings) {
    throw new GatewayError(
      "BAD_REQUEST",
      `The provider '${resolution.value.provider.id}' does not serve embeddings (model '${reference}').`,
      { param: "model" },
    );
  }
  return resolution.value;
}

function splitChain(model: string): string[] {
  if (!model.includes(",")) return model.trim() === "" ? [] : [model.trim()];
  return model
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
