/**
 * `floopy keys update ID`: changes what may change about a key after it is made — its name,
 * project lock, default routing rule, expiry and its own limits — without handing out a new key. Running gateways
 * apply the change within one control poll.
 */
import { keyState } from "../../admin/key-object.js";
import { ConfigError } from "../../config/config-error.js";
import type { ApiKeyChanges } from "../../store/types.js";
import { auditCliChange } from "../audit-cli-change.js";
import type { CommandSpec } from "../command-spec.js";
import { UsageError } from "../command-spec.js";
import { keyStatus, keySummary } from "../key-summary.js";
import { parseExpiry } from "../parse-expiry.js";
import { parseCount, parseUsd } from "../parse-limit.js";
import { withStores } from "../with-stores.js";

export const keysUpdateCommand: CommandSpec = {
  words: ["keys", "update"],
  summary: "change a key's name, project, routing rule, expiry or limits",
  usage:
    "ID [--name NAME] [--project P | --no-project] [--routing-rule R | --no-routing-rule] [--expires-at ISO-8601|never] " +
    "[--rpm N | --no-rpm] [--tpm N | --no-tpm] [--monthly-budget-usd USD | --no-monthly-budget-usd]",
  description:
    "Changes a key in place: the key itself stays the same, so applications need no new one.\n" +
    "Running gateways apply the change within one control poll (1 s by default). Keys from the\n" +
    "config file are changed in the file; revoked keys cannot be changed.",
  arguments: [{ name: "ID", description: "the key's id (key_…), as `floopy keys list` shows it" }],
  flags: {
    name: { type: "string", value: "NAME", description: "a new name" },
    project: {
      type: "string",
      value: "PROJECT",
      description: "lock the key to this project of its org (created if new)",
    },
    "no-project": { type: "boolean", description: "unlock the key: any project of its org" },
    "routing-rule": {
      type: "string",
      value: "RULE",
      description: "the default routing rule for its requests that name none; it must exist",
    },
    "no-routing-rule": { type: "boolean", description: "remove the key's default routing rule" },
    "expires-at": {
      type: "string",
      value: "ISO-8601",
      description: "a new expiry (a future date), or never to remove the expiry",
    },
    rpm: { type: "string", value: "N", description: "the key's own limit of requests per minute" },
    "no-rpm": { type: "boolean", description: "remove the key's own requests-per-minute limit" },
    tpm: { type: "string", value: "N", description: "the key's own limit of tokens per minute" },
    "no-tpm": { type: "boolean", description: "remove the key's own tokens-per-minute limit" },
    "monthly-budget-usd": {
      type: "string",
      value: "USD",
      description: "the key's own spend limit per calendar month (UTC), in US dollars",
    },
    "no-monthly-budget-usd": { type: "boolean", description: "remove the key's own monthly budget" },
    json: { type: "boolean", description: "print the updated key as JSON (every field but the hash)" },
  },
  environment: "FLOOPY_DATA_DIR or FLOOPY_DATABASE_URL (the gateway's store)",
  async run(input) {
    const [id] = input.arguments;
    if (id === undefined)
      throw new UsageError(`${input.name}: the key ID is required (see floopy keys list)`);
    const changes = requestedChanges(input.name, input);
    return withStores(input, async ({ control }) => {
      const key = await control.getApiKey(id);
      if (key === undefined) {
        process.stderr.write(`floopy: no key with id '${id}' (see floopy keys list)\n`);
        return 1;
      }
      if (key.source === "config") {
        throw new ConfigError(
          `${input.name}: ${id} is a config-file key; change it in the config file, which owns it`,
        );
      }
      if (key.revokedAt !== null)
        throw new ConfigError(`${input.name}: ${id} is revoked; create a new key instead`);
      if (key.scope === "admin" && (changes.projectId || changes.routingRule)) {
        throw new ConfigError(
          `${input.name}: ${id} is an admin key, which takes no --project or --routing-rule`,
        );
      }
      if (changes.routingRule && !(await control.getRoutingRule(changes.routingRule))) {
        throw new ConfigError(`${input.name}: there is no routing rule named "${changes.routingRule}"`);
      }
      if (changes.projectId) {
        try {
          await control.ensureProject({ id: changes.projectId, orgId: key.orgId, name: changes.projectId });
        } catch (error) {
          throw new ConfigError(`${input.name}: --project: ${(error as Error).message}`);
        }
      }
      const updated = await control.updateApiKey(id, changes);
      if (updated === undefined) {
        process.stderr.write(`floopy: no key with id '${id}' (see floopy keys list)\n`);
        return 1;
      }
      const before = keyState(key);
      const after = keyState(updated);
      const changed = (Object.keys(after) as Array<keyof typeof after>).filter(
        (field) => after[field] !== before[field],
      );
      if (changed.length > 0) {
        await auditCliChange(control, {
          resource: "keys",
          verb: "update",
          resourceId: id,
          before,
          after,
          detail: { changed },
        });
      }
      if (input.boolean("json")) {
        process.stdout.write(`${JSON.stringify(keySummary(updated))}\n`);
      } else {
        process.stdout.write(
          `updated ${id}: name '${updated.name}', project ${updated.projectId ?? "*"}, routing rule ${updated.routingRule ?? "-"}, ` +
            `expires ${updated.expiresAt?.toISOString() ?? "never"} (${keyStatus(updated)})\n`,
        );
      }
      return 0;
    });
  },
};

function requestedChanges(
  command: string,
  input: { string(flag: string): string | undefined; boolean(flag: string): boolean },
): ApiKeyChanges {
  const changes: ApiKeyChanges = {};
  const name = input.string("name");
  if (name !== undefined) {
    if (name.trim() === "") throw new ConfigError(`${command}: --name must not be empty`);
    changes.name = name.trim();
  }
  const project = input.string("project");
  if (project !== undefined && input.boolean("no-project")) {
    throw new UsageError(`${command}: give --project or --no-project, not both`);
  }
  if (project !== undefined) changes.projectId = project;
  if (input.boolean("no-project")) changes.projectId = null;
  const rule = input.string("routing-rule");
  if (rule !== undefined && input.boolean("no-routing-rule")) {
    throw new UsageError(`${command}: give --routing-rule or --no-routing-rule, not both`);
  }
  if (rule !== undefined) changes.routingRule = rule;
  if (input.boolean("no-routing-rule")) changes.routingRule = null;
  const expires = input.string("expires-at");
  if (expires !== undefined) changes.expiresAt = parseExpiry(command, expires, { allowNever: true });
  const rpm = limitChange(command, input, "rpm", parseCount);
  if (rpm !== undefined) changes.rpm = rpm;
  const tpm = limitChange(command, input, "tpm", parseCount);
  if (tpm !== undefined) changes.tpm = tpm;
  const budget = limitChange(command, input, "monthly-budget-usd", parseUsd);
  if (budget !== undefined) changes.monthlyBudgetUsd = budget;
  if (Object.keys(changes).length === 0) {
    throw new UsageError(
      `${command}: nothing to change; give --name, --project, --routing-rule, --expires-at, --rpm, --tpm or --monthly-budget-usd (or a --no- form)`,
    );
  }
  return changes;
}

/** `--rpm N` sets, `--no-rpm` clears (null), neither leaves it (undefined). */
function limitChange(
  command: string,
  input: { string(flag: string): string | undefined; boolean(flag: string): boolean },
  flag: string,
  parse: (command: string, flag: string, text: string) => number,
): number | null | undefined {
  const text = input.string(flag);
  const clear = input.boolean(`no-${flag}`);
  if (text !== undefined && clear)
    throw new UsageError(`${command}: give --${flag} or --no-${flag}, not both`);
  if (clear) return null;
  return text === undefined ? undefined : parse(command, flag, text);
}
