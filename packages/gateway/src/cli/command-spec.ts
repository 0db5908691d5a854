/**
 * How a `floopy` command is declared: its words, its arguments and flags (each explained, for
 * `--help`), and what it runs. The parser checks flags per command against this, so a flag a
 * command does not take is an error naming the command, and help is generated from the same list.
 */
import type { LoadedConfig } from "../config/load-config.js";

export interface FlagSpec {
  type: "string" | "boolean";
  /** The value's placeholder in help (`NAME`, `FILE`); string flags only. */
  value?: string;
  description: string;
}

export interface ArgumentSpec {
  name: string;
  description: string;
}

export interface CommandSpec {
  /** The words that name it: `["keys", "create"]`. */
  words: readonly string[];
  /** One line, for the command list of `floopy --help`. */
  summary: string;
  /** What follows `floopy <words>` in the usage line. */
  usage: string;
  /** A paragraph or two for the command's own help. */
  description: string;
  arguments: readonly ArgumentSpec[];
  /** Flag names without the leading `--`. */
  flags: Readonly<Record<string, FlagSpec>>;
  /** Environment variables the command reads, named in its help. */
  environment?: string;
  run(input: CommandInput): Promise<number>;
}

export interface CommandInput {
  /** `keys create`, the prefix of its error messages (printed after `floopy: `). */
  name: string;
  string(flag: string): string | undefined;
  boolean(flag: string): boolean;
  arguments: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Loads the configuration and remembers it, so a startup error can name the setting to change. */
  loadConfig(flags?: { port?: number; host?: string; config?: string; demo?: boolean }): LoadedConfig;
}

/** A mistake in how the command was typed (unknown command or flag, missing argument). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function commandName(spec: Pick<CommandSpec, "words">): string {
  return `floopy ${spec.words.join(" ")}`;
}
