/** `floopy keys create`: makes a gateway key (or an admin key) and prints it once. */
import { keyState } from "../../admin/key-object.js";
import { orgObject } from "../../admin/org-object.js";
import { ConfigError } from "../../config/config-error.js";
import { generateApiKey } from "../../control/api-keys.js";
import { newKeyRecord } from "../../control/bootstrap-keys.js";
import { auditCliChange } from "../audit-cli-change.js";
import type { CommandSpec } from "../command-spec.js";
import { parseExpiry } from "../parse-expiry.js";
import { parseCount, parseUsd } from "../parse-limit.js";
import { withStores } from "../with-stores.js";

export const keysCreateCommand: CommandSpec = {
  words: ["keys", "create"],
  summary: "create a gateway key (or an --admin key) and print it once",
  usage: "--name NAME [options]",
  description:
    "Creates a key in the store the gateway reads and prints it once on standard output (only its\n" +
    "hash is stored). A running gateway accepts it within one control poll (1 s by default).",
  arguments: [],
  flags: {
    name: {
      type: "string",
      value: "NAME",
      description: "what the key is for, shown in lists and logs (required)",
    },
    org: {
      type: "string",
      value: "ORG",
      description: 'the org the key belongs to (default "default"; created if new)',
    },
    project: {
      type: "string",
      value: "PROJECT",
      description: "lock the key to one project of its org (created if new); default: any project",
    },
    "routing-rule": {
      type: "string",
      value: "RULE",
      description: "the routing rule for the key's requests that name none; it must exist already",
    },
    "expires-at": {
      type: "string",
      value: "ISO-8601",
      description: "when the key stops working, e.g. 2027-01-31 or 2027-01-31T12:00:00Z (a future date)",
    },
    rpm: { type: "string", value: "N", description: "the key's own limit of requests per minute" },
    tpm: { type: "string", value: "N", description: "the key's own limit of tokens per minute" },
    "monthly-budget-usd": {
      type: "string",
      value: "USD",
      description: "the key's own spend limit per calendar month (UTC), in US dollars",
    },
    admin: { type: "boolean", description: "an admin key: the admin API (/admin/…) only, no traffic" },
    json: { type: "boolean", description: 'print {"id","name","key"} as JSON instead of the bare key' },
  },
  environment: "FLOOPY_DATA_DIR or FLOOPY_DATABASE_URL (the gateway's store)",
  async run(input) {
    const name = input.string("name")?.trim();
    if (name === undefined || name === "") throw new ConfigError(`${input.name}: --name is required`);
    const admin = input.boolean("admin");
    const project = input.string("project");
    const routingRule = input.string("routing-rule");
    if (admin && (project !== undefined || routingRule !== undefined)) {
      throw new ConfigError(`${input.name}: an --admin key takes no --project or --routing-rule`);
    }
    const expiresText = input.string("expires-at");
    const expiresAt = expiresText === undefined ? null : parseExpiry(input.name, expiresText);
    const limits = requestedLimits(input.name, input);
    return withStores(input, async ({ control }) => {
      if (routingRule !== undefined && !(await control.getRoutingRule(routingRule))) {
        throw new ConfigError(`${input.name}: there is no routing rule named "${routingRule}"`);
      }
      const orgId = input.string("org") ?? "default";
      if (!(await control.getOrg(orgId))) {
        const org = await control.ensureOrg({ id: orgId, name: orgId });
        await auditCliChange(control, {
          resource: "orgs",
          verb: "create",
          resourceId: orgId,
          before: null,
          after: orgObject(org),
          detail: { implicit: true },
        });
        process.stderr.write(`created org '${orgId}'\n`);
      }
      if (project !== undefined) await control.ensureProject({ id: project, orgId, name: project });
      const key = generateApiKey();
      const record = await control.insertApiKey({
        ...newKeyRecord(name, key, "cli", { orgId, projectId: project ?? null, expiresAt }),
        routingRule: routingRule ?? null,
        ...limits,
        scope: admin ? "admin" : "gateway",
      });
      await auditCliChange(control, {
        resource: "keys",
        verb: "create",
        resourceId: record.id,
        before: null,
        after: keyState(record),
      });
      if (input.boolean("json")) {
        process.stdout.write(`${JSON.stringify({ id: record.id, name: record.name, key })}\n`);
      } else {
        process.stdout.write(`${key}\n`);
        process.stderr.write(
          `${admin ? "admin key" : "key"} ${record.id} '${record.name}' created; it is shown only this once.\n`,
        );
      }
      return 0;
    });
  },
};

function requestedLimits(
  command: string,
  input: { string(flag: string): string | undefined },
): { rpm: number | null; tpm: number | null; monthlyBudgetUsd: number | null } {
  const rpm = input.string("rpm");
  const tpm = input.string("tpm");
  const budget = input.string("monthly-budget-usd");
  return {
    rpm: rpm === undefined ? null : parseCount(command, "rpm", rpm),
    tpm: tpm === undefined ? null : parseCount(command, "tpm", tpm),
    monthlyBudgetUsd: budget === undefined ? null : parseUsd(command, "monthly-budget-usd", budget),
  };
}
