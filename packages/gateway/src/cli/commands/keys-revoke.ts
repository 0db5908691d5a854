/** `floopy keys revoke ID`: the key stops working on every running gateway within a second. */
import { keyState } from "../../admin/key-object.js";
import { auditCliChange } from "../audit-cli-change.js";
import type { CommandSpec } from "../command-spec.js";
import { UsageError } from "../command-spec.js";
import { withStores } from "../with-stores.js";

export const keysRevokeCommand: CommandSpec = {
  words: ["keys", "revoke"],
  summary: "revoke a key (running gateways refuse it within a second)",
  usage: "ID",
  description:
    "Revokes a key: every running gateway refuses it at once when FLOOPY_REDIS_URL is set (the\n" +
    "change is announced through Redis), else within one control poll (1 s by default).\n" +
    "Revoking twice keeps the first revocation time. A revoked key cannot be restored.",
  arguments: [{ name: "ID", description: "the key's id (key_…), as `floopy keys list` shows it" }],
  flags: {},
  environment: "FLOOPY_DATA_DIR or FLOOPY_DATABASE_URL (the gateway's store), FLOOPY_REDIS_URL",
  async run(input) {
    const [id] = input.arguments;
    if (id === undefined)
      throw new UsageError(`${input.name}: the key ID is required (see floopy keys list)`);
    return withStores(input, async ({ control }) => {
      const before = await control.getApiKey(id);
      if (before === undefined || !(await control.revokeApiKey(id, new Date()))) {
        process.stderr.write(`floopy: no key with id '${id}' (see floopy keys list)\n`);
        return 1;
      }
      const after = await control.getApiKey(id);
      // Revoking twice keeps the first revocation: only the first is a change.
      if (before.revokedAt === null && after !== undefined) {
        await auditCliChange(control, {
          resource: "keys",
          verb: "revoke",
          resourceId: id,
          before: keyState(before),
          after: keyState(after),
        });
      }
      process.stdout.write(`revoked ${id}\n`);
      return 0;
    });
  },
};
