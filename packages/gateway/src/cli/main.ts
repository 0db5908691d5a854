/**
 * The `floopy` command: `serve`, `keys create|list|update|revoke|hash`, `config validate`,
 * `secrets rotate-master-key`. Reads the same environment as the gateway (INTERFACE.md "Starting
 * it"), so `floopy keys create` next to a running gateway writes to the same store and the gateway
 * picks the key up within seconds.
 * Each command lives in commands/; this file parses, runs, and turns a failure into one line.
 */
import { type LoadedConfig, loadConfig } from "../config/load-config.js";
import type { CommandInput } from "./command-spec.js";
import { commands } from "./commands.js";
import { describeError } from "./describe-error.js";
import { packageVersion } from "./package-version.js";
import { parseCommandLine } from "./parse-command-line.js";

let loaded: LoadedConfig | undefined;

async function main(argv: readonly string[]): Promise<number> {
  const line = parseCommandLine(argv, commands);
  if (line.kind === "version") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (line.kind === "help") {
    (line.exitCode === 0 ? process.stdout : process.stderr).write(`${line.text}\n`);
    return line.exitCode;
  }
  const { command, values } = line;
  const input: CommandInput = {
    name: command.words.join(" "),
    string: (flag) => {
      const value = values[flag];
      return typeof value === "string" ? value : undefined;
    },
    boolean: (flag) => values[flag] === true,
    arguments: line.arguments,
    env: process.env,
    loadConfig: (flags = {}) => {
      loaded = loadConfig(process.env, flags);
      return loaded;
    },
  };
  return command.run(input);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const debug = process.env.FLOOPY_LOG_LEVEL === "debug" || process.env.FLOOPY_LOG_LEVEL === "trace";
    process.stderr.write(`floopy: ${describeError(error, loaded?.settings, debug)}\n`);
    process.exitCode = 2;
  },
);
