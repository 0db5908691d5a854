/**
 * Settings INTERFACE.md defines whose feature is not built yet. They are accepted (a config that
 * follows the interface must start) but never silently: each one set is named at every start and
 * by `floopy config validate`, so nobody believes a limit is enforced or state is shared.
 */
import type { ConfigFile } from "./config-schema.js";

/** A key's limits, and the file's `limits:` section (every org), that nothing enforces yet. */
export const unenforcedKeyFields = ["rpm", "tpm", "monthly_budget_usd"] as const;
export const unenforcedSections = ["limits"] as const;

export function notEnforcedYet(
  file: ConfigFile,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const found: string[] = [];
  for (const key of file.keys ?? []) {
    for (const field of unenforcedKeyFields) {
      if (key[field] !== undefined) found.push(`keys[${key.name}].${field}`);
    }
  }
  for (const [field, value] of Object.entries(file.limits ?? {})) {
    if (value !== undefined) found.push(`limits.${field}`);
  }
  if ((env.FLOOPY_REDIS_URL ?? "").trim() !== "") found.push("FLOOPY_REDIS_URL");
  return found;
}

/** The one line operators read, at start and from `config validate`. */
export function notEnforcedYetMessage(found: readonly string[]): string {
  return `set but not enforced yet (rate limits, budgets and Redis-shared state are not built; instances share only the database): ${found.join(", ")}`;
}
