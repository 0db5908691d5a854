/**
 * Stage: route. Turns the requested model into the ordered list of targets dispatch will try:
 * `floopy-model-override` replaces the body's model; a comma-separated model is a chain tried
 * left to right; `floopy-fallback` entries follow the chain. Duplicates are tried once.
 */
import { GatewayError } from "../errors/gateway-error.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import type { RequestContext } from "./request-context.js";

export function route(context: RequestContext): undefined {
  const bodyModel =
    typeof context.body?.model === "string" ? context.body.model : (context.routeFacts.model ?? "");
  const requested = context.metadata.modelOverride ?? bodyModel;
  context.requestedModel = requested;
  const chain = [...splitChain(requested), ...context.metadata.fallbackModels];
  const seen = new Set<string>();
  const targets: ResolvedModel[] = [];
  for (const [index, reference] of chain.entries()) {
    if (seen.has(reference)) continue;
    seen.add(reference);
    const resolution = context.services.catalogue.resolve(reference);
    if (!resolution.ok) {
      throw new GatewayError("NOT_FOUND", resolution.message, {
        param: index === 0 ? "model" : "floopy-fallback",
        wireCode: "model_not_found",
      });
    }
    if (context.operation === "embed" && !resolution.value.provider.declaration.supportsEmbeddings) {
      throw new GatewayError(
        "BAD_REQUEST",
        `The provider '${resolution.value.provider.id}' does not serve embeddings (model '${reference}').`,
        { param: "model" },
      );
    }
    targets.push(resolution.value);
  }
  if (targets.length === 0) throw new GatewayError("BAD_REQUEST", "No model was given.", { param: "model" });
  context.targets = targets;
  return undefined;
}

function splitChain(model: string): string[] {
  if (!model.includes(",")) return model.trim() === "" ? [] : [model.trim()];
  return model
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
