/** `floopy keys list`: every key with its scope, rule and status — never the key or its hash. */
import type { CommandSpec } from "../command-spec.js";
import { keyStatus, keySummary } from "../key-summary.js";
import { printTable } from "../print-table.js";
import { withStores } from "../with-stores.js";

export const keysListCommand: CommandSpec = {
  words: ["keys", "list"],
  summary: "list keys (never the keys themselves)",
  usage: "[--json]",
  description:
    "Lists every key: id, name, the first characters of the key, org, project (* for any), scope\n" +
    "(gateway or admin), default routing rule, status (active, expired, revoked) and creation time.",
  arguments: [],
  flags: {
    json: { type: "boolean", description: "print a JSON array with every field but the hash" },
  },
  environment: "FLOOPY_DATA_DIR or FLOOPY_DATABASE_URL (the gateway's store)",
  async run(input) {
    return withStores(input, async ({ control }) => {
      const keys = await control.listApiKeys();
      if (input.boolean("json")) {
        process.stdout.write(`${JSON.stringify(keys.map(keySummary))}\n`);
        return 0;
      }
      const rows = keys.map((key) => [
        key.id,
        key.name,
        key.displayPrefix,
        key.orgId,
        key.projectId ?? "*",
        key.scope,
        key.routingRule ?? "-",
        keyStatus(key),
        key.expiresAt?.toISOString() ?? "never",
        key.createdAt.toISOString(),
      ]);
      printTable(
        ["ID", "NAME", "PREFIX", "ORG", "PROJECT", "SCOPE", "RULE", "STATUS", "EXPIRES", "CREATED"],
        rows,
      );
      return 0;
    });
  },
};
