/**
 * Routing rules as written (the config file's `routing_rules` entries, the admin API's bodies, the
 * control store's `definition` column — one shape) turned into the rules the router runs, with the
 * documented defaults filled in.
 */
import { type RoutingRuleConfig, routingRuleSchema } from "../config/config-schema.js";
import type { RoutingRule } from "./router.js";

/** smart_cost's success floor when a rule sets none. */
export const DEFAULT_SUCCESS_FLOOR = 0.9;
const DEFAULT_RETRY_ON = ["429", "5xx", "network", "timeout"];

export function ruleFromDefinition(name: string, definition: RoutingRuleConfig): RoutingRule {
  return {
    name,
    strategy: definition.strategy,
    targets: definition.targets.map((target) => ({ model: target.model, weight: target.weight ?? 1 })),
    retry: {
      attempts: definition.retry?.attempts ?? 0,
      on: (definition.retry?.on ?? DEFAULT_RETRY_ON).map(String),
      backoffMs: definition.retry?.backoff_ms ?? 0,
    },
    timeoutMs: {
      attempt: definition.timeout_ms?.attempt ?? null,
      total: definition.timeout_ms?.total ?? null,
    },
    successFloor: definition.success_floor ?? DEFAULT_SUCCESS_FLOOR,
  };
}

export type ParsedDefinition =
  | { ok: true; definition: RoutingRuleConfig }
  | { ok: false; issues: Array<{ path: string; message: string }> };

/** Validates a rule as written; issue paths are dotted (`targets.0.model`). */
export function parseRuleDefinition(value: unknown): ParsedDefinition {
  const parsed = routingRuleSchema.safeParse(value);
  if (parsed.success) return { ok: true, definition: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
  };
}

/** Targets that name no enabled model, as `targets.N.model` paths with the catalogue's reason. */
export function unresolvedTargets(
  definition: RoutingRuleConfig,
  resolve: (reference: string) => { ok: true } | { ok: false; message: string },
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  for (const [index, target] of definition.targets.entries()) {
    const resolution = resolve(target.model);
    if (!resolution.ok) problems.push({ path: `targets.${index}.model`, message: resolution.message });
  }
  return problems;
}
