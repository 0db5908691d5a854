/**
 * The config file's routing rules into the control store at start, so every instance and the admin
 * API see one set of rules. The file owns the rules it defines: a config rule replaces an
 * admin-made rule of the same name, and a config rule removed from the file is removed from the
 * store once no key names it. Only a start with a config file calls these: without one, the
 * config-owned rules stay as they are.
 */
import type { Logger } from "pino";
import { ConfigError } from "../config/config-error.js";
import type { ConfigFile, KeyConfig } from "../config/config-schema.js";
import type { ModelCatalogue } from "../providers/model-catalogue.js";
import { unresolvedTargets } from "../routing/rule-definitions.js";
import type { ControlStore } from "../store/types.js";

export interface ConfigRulesOptions {
  rules: ConfigFile["routing_rules"];
  keys: readonly KeyConfig[];
  catalogue: ModelCatalogue;
  logger: Logger;
}

/**
 * Refuses, before anything is written, a file whose rules name models no provider serves or whose
 * keys name a default rule that exists nowhere (neither in the file nor made through the admin API).
 */
export async function checkConfigRules(
  store: Pick<ControlStore, "getRoutingRule">,
  options: Omit<ConfigRulesOptions, "logger">,
): Promise<void> {
  const rules = options.rules ?? {};
  checkConfigRuleTargets(rules, options.catalogue);
  for (const [index, key] of options.keys.entries()) {
    if (key.routing_rule === undefined || Object.hasOwn(rules, key.routing_rule)) continue;
    if (!(await store.getRoutingRule(key.routing_rule))) {
      throw new ConfigError(
        `config file: keys.${index}.routing_rule: there is no routing rule named "${key.routing_rule}" ` +
          "(define it under routing_rules, or create it through the admin API first)",
      );
    }
  }
}

/** Stores the file's rules (checked by `checkConfigRules`). Runs before the config keys are written. */
export async function saveConfigRules(store: ControlStore, options: ConfigRulesOptions): Promise<void> {
  const rules = options.rules ?? {};
  const before = new Map((await store.listRoutingRules()).map((rule) => [rule.name, rule.source]));
  for (const [name, definition] of Object.entries(rules)) {
    const saved = await store.saveRoutingRule({
      name,
      definition,
      source: "config",
      mode: "upsert",
      replaceable: ["config", "admin"],
    });
    if (saved.outcome === "replaced" && before.get(name) === "admin") {
      options.logger.warn(
        { rule: name },
        "the config file's routing rule replaced one made through the admin API",
      );
    }
  }
}

/** Every target of every config rule must name an enabled model; the error names the field. */
export function checkConfigRuleTargets(rules: ConfigFile["routing_rules"], catalogue: ModelCatalogue): void {
  for (const [name, definition] of Object.entries(rules ?? {})) {
    const [problem] = unresolvedTargets(definition, (reference) => catalogue.resolve(reference));
    if (problem)
      throw new ConfigError(`config file: routing_rules.${name}.${problem.path}: ${problem.message}`);
  }
}

/** Deletes config rules no longer in the file; one a key still names is kept, with a warning. Runs after the keys are written. */
export async function removeStaleConfigRules(
  store: ControlStore,
  options: ConfigRulesOptions,
): Promise<void> {
  const rules = options.rules ?? {};
  for (const stored of await store.listRoutingRules()) {
    if (stored.source !== "config" || Object.hasOwn(rules, stored.name)) continue;
    const deleted = await store.deleteRoutingRule(stored.name, ["config"]);
    if (deleted.outcome === "in_use") {
      options.logger.warn(
        { rule: stored.name, keys: deleted.keyIds },
        "a routing rule removed from the config file is kept: keys still name it as their default",
      );
    } else if (deleted.outcome === "deleted") {
      options.logger.info({ rule: stored.name }, "a routing rule removed from the config file was deleted");
    }
  }
}
