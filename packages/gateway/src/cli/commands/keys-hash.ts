/**
 * `floopy keys hash`: the `sha256:` form a config file's `keys` list needs (it holds hashes, never
 * keys). Given a key, prints its hash; given none (or --new), makes a key and prints both. `-`
 * reads the key from standard input, so it stays out of the shell history.
 */
import { generateApiKey, hashApiKey } from "../../control/api-keys.js";
import type { CommandSpec } from "../command-spec.js";
import { UsageError } from "../command-spec.js";

export const keysHashCommand: CommandSpec = {
  words: ["keys", "hash"],
  summary: "print the sha256: hash a config file needs for a key (or make a new key and hash it)",
  usage: "[KEY | -] [--new] [--json]",
  description:
    'The config file lists keys by hash only (keys: - { name: ci, hash: "sha256:…" }). With KEY,\n' +
    "prints its hash. Without KEY, or with --new, makes a new key and prints the key (line 1,\n" +
    "shown only this once) and its hash (line 2). Touches no store.",
  arguments: [
    {
      name: "KEY",
      description: "the key to hash; - reads it from standard input (keeps it out of shell history)",
    },
  ],
  flags: {
    new: {
      type: "boolean",
      description: "make a new key and print it with its hash (the default without KEY)",
    },
    json: { type: "boolean", description: 'print {"hash"} (or {"key","hash"} for a new key) as JSON' },
  },
  async run(input) {
    const [given] = input.arguments;
    if (given !== undefined && input.boolean("new")) {
      throw new UsageError(`${input.name}: give a KEY or --new, not both`);
    }
    const json = input.boolean("json");
    if (given !== undefined) {
      const key = given === "-" ? (await readStdin()).replace(/\r?\n$/, "") : given;
      if (key === "") throw new UsageError(`${input.name}: the key is empty`);
      const hash = hashApiKey(key);
      process.stdout.write(json ? `${JSON.stringify({ hash })}\n` : `${hash}\n`);
      return 0;
    }
    const key = generateApiKey();
    const hash = hashApiKey(key);
    if (json) {
      process.stdout.write(`${JSON.stringify({ key, hash })}\n`);
      return 0;
    }
    process.stdout.write(`${key}\n${hash}\n`);
    process.stderr.write(
      "The first line is a new key, shown only this once: give it to the application.\n" +
        "The second is its hash, for the config file:\n\n" +
        `  keys:\n    - { name: my-app, hash: "${hash}" }\n`,
    );
    return 0;
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
