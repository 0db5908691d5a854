/**
 * Turns the words after `floopy` into a command to run, or help, or the version. Commands and
 * flags are checked against the command specs, per command: an unknown command or flag is a
 * UsageError naming the command and, when one is close, the nearest valid one.
 */
import { parseArgs } from "node:util";
import { type CommandSpec, commandName, UsageError } from "./command-spec.js";
import { commandHelp, commandsHelp } from "./help-text.js";
import { nearestWord } from "./nearest-word.js";

export type CommandLine =
  | { kind: "help"; text: string; exitCode: number }
  | { kind: "version" }
  | {
      kind: "run";
      command: CommandSpec;
      values: Readonly<Record<string, unknown>>;
      arguments: string[];
    };

export function parseCommandLine(argv: readonly string[], commands: readonly CommandSpec[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: "help", text: commandsHelp(commands), exitCode: 2 };
  if (first === "--help" || first === "-h")
    return { kind: "help", text: commandsHelp(commands), exitCode: 0 };
  if (first === "--version" || first === "-v") return { kind: "version" };
  if (first.startsWith("-")) throw leadingOption(first, commands);
  if (first === "help") {
    if (rest.length === 0) return { kind: "help", text: commandsHelp(commands), exitCode: 0 };
    const found = findCommand(rest, commands);
    return found.kind === "group"
      ? groupHelp(found.group, commands, 0)
      : { kind: "help", text: commandHelp(found.command), exitCode: 0 };
  }
  const found = findCommand(argv, commands);
  if (found.kind === "group") {
    const next = argv[1];
    if (next === "--help" || next === "-h") return groupHelp(found.group, commands, 0);
    if (next === undefined) return groupHelp(found.group, commands, 2);
    throw new UsageError(
      `${found.group}: expected a command (${subcommands(found.group, commands).join(", ")}) before '${next}'; see floopy ${found.group} --help`,
    );
  }
  const { command } = found;
  const tokens = argv.slice(command.words.length);
  if (wantsHelp(tokens)) return { kind: "help", text: commandHelp(command), exitCode: 0 };
  checkFlags(command, tokens, commands);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...tokens],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(command.flags).map(([name, flag]) => [name, { type: flag.type }]),
      ),
    });
  } catch (error) {
    throw new UsageError(`${command.words.join(" ")}: ${(error as Error).message}`);
  }
  const allowed = command.arguments.length;
  if (parsed.positionals.length > allowed) {
    const extra = parsed.positionals.slice(allowed).join(" ");
    throw new UsageError(
      allowed === 0
        ? `${command.words.join(" ")}: takes no arguments, got '${extra}'; see ${commandName(command)} --help`
        : `${command.words.join(" ")}: takes one argument (${command.arguments.map((argument) => argument.name).join(", ")}), got also '${extra}'`,
    );
  }
  return { kind: "run", command, values: parsed.values, arguments: parsed.positionals };
}

type Found = { kind: "command"; command: CommandSpec } | { kind: "group"; group: string };

/** The command named by the first words, a group (`keys`) named alone, or a UsageError. */
function findCommand(words: readonly string[], commands: readonly CommandSpec[]): Found {
  const [first = "", second] = words;
  const groups = [...new Set(commands.map((command) => command.words[0] ?? ""))];
  if (!groups.includes(first)) {
    throw new UsageError(
      `unknown command '${first}'${didYouMean(first, [...groups, "help"], "floopy --help")}`,
    );
  }
  const single = commands.find((command) => command.words.length === 1 && command.words[0] === first);
  if (single) return { kind: "command", command: single };
  if (second === undefined || second.startsWith("-")) return { kind: "group", group: first };
  const command = commands.find((candidate) => candidate.words[0] === first && candidate.words[1] === second);
  if (command) return { kind: "command", command };
  const suggestion = nearestWord(second, subcommands(first, commands));
  throw new UsageError(
    `unknown command '${first} ${second}'${suggestion ? `; did you mean '${first} ${suggestion}'?` : `; see floopy ${first} --help`}`,
  );
}

function subcommands(group: string, commands: readonly CommandSpec[]): string[] {
  return commands.filter((command) => command.words[0] === group).map((command) => command.words[1] ?? "");
}

function groupHelp(group: string, commands: readonly CommandSpec[], exitCode: number): CommandLine {
  return { kind: "help", text: commandsHelp(commands, group), exitCode };
}

/** `--help` or `-h` anywhere before `--` asks for help, whatever else was typed. */
function wantsHelp(tokens: readonly string[]): boolean {
  const end = tokens.indexOf("--");
  return (end === -1 ? tokens : tokens.slice(0, end)).some((token) => token === "--help" || token === "-h");
}

function checkFlags(command: CommandSpec, tokens: readonly string[], commands: readonly CommandSpec[]): void {
  const name = command.words.join(" ");
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] ?? "";
    if (token === "--") return;
    if (token.startsWith("--")) {
      const [flagName = "", ...value] = token.slice(2).split("=");
      const flag = command.flags[flagName];
      if (flag === undefined) throw unknownOption(command, `--${flagName}`, commands);
      if (flag.type === "boolean" && value.length > 0) {
        throw new UsageError(`${name}: option '--${flagName}' takes no value`);
      }
      // The next word is this flag's value, even if it looks like a flag (parseArgs then refuses it).
      if (flag.type === "string" && value.length === 0) index++;
    } else if (token.startsWith("-") && token.length > 1) {
      throw unknownOption(command, token, commands);
    }
  }
}

function unknownOption(command: CommandSpec, option: string, commands: readonly CommandSpec[]): UsageError {
  const name = command.words.join(" ");
  const own = [...Object.keys(command.flags).map((flag) => `--${flag}`), "--help"];
  const suggestion = nearestWord(option, own);
  if (suggestion !== undefined) {
    return new UsageError(`${name}: unknown option '${option}'; did you mean '${suggestion}'?`);
  }
  const elsewhere = option.startsWith("--")
    ? commands
        .filter((other) => other !== command && Object.hasOwn(other.flags, option.slice(2)))
        .map(commandName)
    : [];
  const owner = elsewhere.length > 0 ? ` (an option of ${elsewhere.join(", ")})` : "";
  return new UsageError(`${name}: unknown option '${option}'${owner}; see floopy ${name} --help`);
}

function leadingOption(option: string, commands: readonly CommandSpec[]): UsageError {
  const owners = commands.filter((command) =>
    Object.hasOwn(command.flags, option.replace(/^--?/, "").split("=")[0] ?? ""),
  );
  if (owners.length > 0) {
    return new UsageError(
      `options go after the command: ${owners.map((command) => `${commandName(command)} ${option} …`).join(", or ")}`,
    );
  }
  return new UsageError(
    `unknown option '${option}'${didYouMean(option, ["--help", "--version"], "floopy --help")}`,
  );
}

/** "; did you mean 'x'?" when a candidate is close, else "; see <help>". */
function didYouMean(word: string, candidates: readonly string[], help: string): string {
  const suggestion = nearestWord(word, candidates);
  return suggestion === undefined ? `; see ${help}` : `; did you mean '${suggestion}'?`;
}
