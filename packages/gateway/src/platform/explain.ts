/**
 * `POST /v1/routing/explain`: the dry run. Runs the generation stages up to route (authenticate,
 * decode, read-metadata, route), then answers with the decision route made — rule, strategy,
 * candidates with scores and skip reasons, the order dispatch would try — instead of
 * dispatching. Nothing is sent to any provider and no breaker or rule counter moves. It is the
 * plan feature `routing_explain`: an org whose plan lacks it gets `403 plan_required`.
 */
import { authenticate } from "../pipeline/authenticate.js";
import { decode } from "../pipeline/decode.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { readMetadata } from "../pipeline/read-metadata.js";
import type { RequestContext, StageResponse } from "../pipeline/request-context.js";
import { requireFeature } from "../pipeline/require-feature.js";
import { route } from "../pipeline/route.js";
import { screenPrompt } from "../pipeline/screen-prompt.js";

export const explainRoutes: readonly IngressRoute[] = [
  {
    method: "POST",
    url: "/v1/routing/explain",
    // It takes a chat request and answers its errors as the chat route would.
    protocol: "openai-chat",
    operation: "explain",
    route: "routing_explain",
    bodyLimit: "generation",
    // The plan is checked before the body is decoded: an org without the dry run learns that first.
    stages: [authenticate, requireExplain, decode, readMetadata, route, screenPrompt, explain],
  },
];

function requireExplain(context: RequestContext): undefined {
  requireFeature(context, "routing_explain");
  return undefined;
}

function explain(context: RequestContext): StageResponse {
  const decision = context.decision;
  const blocked = context.firewall?.decision === "block_input";
  // A prompt the firewall would block never reaches a provider: nothing would be selected.
  const first = blocked ? undefined : context.targets[0];
  const candidates = (decision?.candidates ?? []).map((candidate) => ({
    provider: candidate.target?.provider.id ?? null,
    model: candidate.target?.model ?? candidate.key,
    source: candidate.source,
    score: candidate.score,
    skipped: candidate.skipped,
    detail: candidate.detail,
    // An unusable member has no breaker; asking for one would create it.
    circuit: candidate.target === null ? null : context.services.breakers.get(candidate.key).current(),
  }));
  return {
    status: 200,
    body: {
      // The fields INTERFACE.md promises first; the detail that explains them after.
      would_select: first ? { provider: first.provider.id, model: first.model } : null,
      firewall_decision: blocked ? "block_input" : "allow",
      firewall: context.firewall,
      reasoning: reasoning(context, candidates),
      routing_rule_id: decision?.rule ?? null,
      object: "routing.decision",
      model: context.requestedModel,
      strategy: decision?.strategy ?? null,
      candidates,
      // What is tried in turn; `last_resort` follows only if all of it fails (open circuits).
      order: (decision?.order ?? []).map((target) => ({ provider: target.provider.id, model: target.model })),
      last_resort: (decision?.lastResort ?? []).map((target) => ({
        provider: target.provider.id,
        model: target.model,
      })),
      all_circuits_open: decision?.allCircuitsOpen ?? false,
    },
  };
}

function reasoning(
  context: RequestContext,
  candidates: Array<{
    provider: string | null;
    model: string;
    skipped: string | null;
    detail: string | null;
  }>,
): string {
  const decision = context.decision;
  const chosen = context.targets[0];
  const firewall = context.firewall;
  if (firewall?.decision === "block_input") {
    return `The firewall would block this prompt (${firewall.tier} tier: ${firewall.category ?? "unsafe"}), so no provider would be called.`;
  }
  if (!decision || !chosen) return "No target could be chosen.";
  const parts: string[] = [];
  parts.push(
    decision.rule
      ? `Routing rule '${decision.rule}' (${decision.strategy}) ordered its targets first.`
      : `No routing rule applies; the requested model '${context.requestedModel}' goes to its provider.`,
  );
  for (const candidate of candidates) {
    if (candidate.skipped === null) continue;
    parts.push(
      candidate.provider === null
        ? `${candidate.model} is skipped: ${candidate.detail ?? candidate.skipped}`
        : `${candidate.provider}/${candidate.model} is skipped in its turn: its circuit is open.`,
    );
  }
  if (decision.allCircuitsOpen) {
    parts.push(
      "Every circuit is open, so all targets are tried anyway: half-open first, then the one opened longest ago.",
    );
  } else if (decision.lastResort.length > 0) {
    parts.push("Targets skipped for their circuit are tried anyway if every other target fails.");
  }
  parts.push(`${chosen.provider.id}/${chosen.model} would be tried first.`);
  return parts.join(" ");
}
