/**
 * `floopy secrets rotate-master-key`: reseals every stored provider credential under a new master
 * key, in one transaction (a credential the current key cannot unseal leaves every row as it
 * was). With the key in the data dir (the embedded default without FLOOPY_MASTER_KEY) it also
 * rewrites that file; otherwise the operator sets FLOOPY_MASTER_KEY to the new key on every
 * instance. Running gateways keep the credentials they already unsealed until they restart.
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findMasterKey, parseMasterKey, seal, unseal } from "../../control/master-key.js";
import type { CommandInput, CommandSpec } from "../command-spec.js";
import { UsageError } from "../command-spec.js";
import { withStores } from "../with-stores.js";

export const secretsRotateMasterKeyCommand: CommandSpec = {
  words: ["secrets", "rotate-master-key"],
  summary: "reseal stored provider credentials under a new master key",
  usage: "[--new-key KEY | --generate]",
  description:
    "Unseals every provider credential stored through the admin API with the current master key\n" +
    "(FLOOPY_MASTER_KEY, or master.key in FLOOPY_DATA_DIR) and seals it again with the new one, in\n" +
    "one transaction: if any cannot be unsealed, nothing changes. The new key is 32 bytes, base64\n" +
    "or hex; give it in FLOOPY_NEW_MASTER_KEY (kept out of the shell history) or --new-key, or let\n" +
    "--generate make one. With the key in the data dir, that file is rewritten; with\n" +
    "FLOOPY_MASTER_KEY, set it to the new key on every instance and restart them.",
  arguments: [],
  flags: {
    "new-key": {
      type: "string",
      value: "KEY",
      description: "the new master key (prefer FLOOPY_NEW_MASTER_KEY: a flag lands in the shell history)",
    },
    generate: {
      type: "boolean",
      description: "generate a random new key (printed once when FLOOPY_MASTER_KEY holds the current one)",
    },
  },
  environment:
    "FLOOPY_MASTER_KEY (the current key), FLOOPY_NEW_MASTER_KEY, FLOOPY_DATA_DIR or FLOOPY_DATABASE_URL",
  async run(input) {
    const { settings } = input.loadConfig();
    const given = newKeyText(input);
    if (given !== undefined && input.boolean("generate")) {
      throw new UsageError(`${input.name}: give a new key or --generate, not both`);
    }
    if (given === undefined && !input.boolean("generate")) {
      throw new UsageError(
        `${input.name}: the new key is required: set FLOOPY_NEW_MASTER_KEY (e.g. to the output of \`openssl rand -base64 32\`), pass --new-key, or use --generate`,
      );
    }
    const newKey = given === undefined ? randomBytes(32) : parseMasterKey(given.text, given.source);
    const current = findMasterKey({
      fromEnv: settings.masterKey,
      dataDir: settings.dataDir,
      distributed: settings.databaseUrl !== undefined,
    });
    if (current === undefined) {
      process.stderr.write(
        `floopy: there is no master key yet (no FLOOPY_MASTER_KEY, no ${join(settings.dataDir, "master.key")}): nothing is sealed, so there is nothing to rotate\n`,
      );
      return 1;
    }
    if (current.equals(newKey)) {
      process.stderr.write("floopy: the new master key is the current one; nothing to do\n");
      return 1;
    }
    // The embedded default keeps its key in the data dir; FLOOPY_MASTER_KEY wins over that file.
    const keyFile = settings.masterKey === undefined ? join(settings.dataDir, "master.key") : null;
    const pending = keyFile === null ? null : `${keyFile}.new`;
    // Written before the reseal, so a crash between the commit and the rename leaves the new key here.
    if (pending !== null) writeFileSync(pending, `${newKey.toString("base64")}\n`, { mode: 0o600 });
    let count: number;
    try {
      count = await withStores(input, ({ control }) =>
        control.resealProviderKeys((sealed) => {
          let plaintext: string;
          try {
            plaintext = unseal(current, sealed);
          } catch {
            throw new Error(
              "a stored provider credential cannot be unsealed with the current master key (was FLOOPY_MASTER_KEY changed without a rotation?); nothing was changed",
            );
          }
          return seal(newKey, plaintext);
        }),
      );
    } catch (error) {
      if (pending !== null) rmSync(pending, { force: true });
      throw error;
    }
    process.stdout.write(`resealed ${count} stored provider credential(s) under the new master key\n`);
    if (keyFile !== null && pending !== null) {
      renameSync(pending, keyFile);
      process.stdout.write(
        `wrote the new key to ${keyFile}; a running gateway keeps serving with what it already unsealed, and uses the new key from its next start\n`,
      );
      return 0;
    }
    if (given === undefined)
      process.stdout.write(`new master key (shown only this once): ${newKey.toString("base64")}\n`);
    process.stdout.write(
      "next: set FLOOPY_MASTER_KEY to the new key on every instance and restart them; until then they keep serving with what they already unsealed, and one started with the old key skips the stored providers (and says so)\n",
    );
    return 0;
  },
};

function newKeyText(input: CommandInput): { text: string; source: string } | undefined {
  const flag = input.string("new-key");
  if (flag !== undefined) return { text: flag, source: "--new-key" };
  const env = input.env.FLOOPY_NEW_MASTER_KEY;
  if (env !== undefined && env.trim() !== "") return { text: env, source: "FLOOPY_NEW_MASTER_KEY" };
  return undefined;
}
