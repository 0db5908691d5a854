/** The text of `floopy --help`, `floopy keys --help` and `floopy <command> --help`, from the command specs. */
import { type CommandSpec, commandName } from "./command-spec.js";

const helpFlag = "-h, --help";

export function commandsHelp(commands: readonly CommandSpec[], group?: string): string {
  const shown = commands.filter((command) => group === undefined || command.words[0] === group);
  const width = Math.max(...shown.map((command) => command.words.join(" ").length));
  const lines = shown.map((command) => `  ${command.words.join(" ").padEnd(width)}  ${command.summary}`);
  const usage = group === undefined ? "floopy <command> [options]" : `floopy ${group} <command> [options]`;
  return [
    `Usage: ${usage}`,
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    `  ${helpFlag.padEnd(13)}  show help; floopy <command> --help shows a command's options`,
    ...(group === undefined ? [`  ${"-v, --version".padEnd(13)}  print the version`] : []),
    "",
    "The commands read the gateway's environment (FLOOPY_DATA_DIR, FLOOPY_DATABASE_URL, …), so keys",
    "made here are the running gateway's. See docs/cli.md and docs/configuration.md.",
  ].join("\n");
}

export function commandHelp(command: CommandSpec): string {
  const flags = Object.entries(command.flags).map(([name, flag]) => ({
    left: `--${name}${flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : ""}`,
    description: flag.description,
  }));
  flags.push({ left: helpFlag, description: "show this help" });
  const argumentRows = command.arguments.map((argument) => ({
    left: argument.name,
    description: argument.description,
  }));
  const width = Math.max(...[...argumentRows, ...flags].map((row) => row.left.length));
  const format = (row: { left: string; description: string }) =>
    `  ${row.left.padEnd(width)}  ${row.description}`;
  return [
    `Usage: ${commandName(command)} ${command.usage}`.trimEnd(),
    "",
    command.description,
    ...(argumentRows.length > 0 ? ["", "Arguments:", ...argumentRows.map(format)] : []),
    "",
    "Options:",
    ...flags.map(format),
    ...(command.environment ? ["", `Environment: ${command.environment}`] : []),
  ].join("\n");
}
