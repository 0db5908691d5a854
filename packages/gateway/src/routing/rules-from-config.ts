/** The config file's `routing_rules` section as routing rules, with the documented defaults. */
import type { ConfigFile } from "../config/config-schema.js";
import type { RoutingRule } from "./router.js";

export function rulesFromConfig(section: ConfigFile["routing_rules"]): Map<string, RoutingRule> {
  const rules = new Map<string, RoutingRule>();
  for (const [name, rule] of Object.entries(section ?? {})) {
    rules.set(name, {
      name,
      strategy: rule.strategy,
      targets: rule.targets.map((target) => ({ model: target.model, weight: target.weight ?? 1 })),
      retry: {
        attempts: rule.retry?.attempts ?? 0,
        on: (rule.retry?.on ?? ["429", "5xx", "network", "timeout"]).map(String),
        backoffMs: rule.retry?.backoff_ms ?? 0,
      },
      timeoutMs: { attempt: rule.timeout_ms?.attempt ?? null, total: rule.timeout_ms?.total ?? null },
    });
  }
  return rules;
}
