/**
 * The gateway's logger (pino). JSON lines to stdout for machines; human lines when stdout is a
 * terminal or `FLOOPY_LOG_FORMAT=pretty` (see pretty-output.ts). Credential-bearing fields are
 * redacted by path as a safety net; the code never logs them in the first place. A level or format
 * that does not exist is a ConfigError, which the command prints on one line.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { ConfigError } from "../config/config-error.js";
import { prettyOutput } from "./pretty-output.js";

export type LogFormat = "json" | "pretty";

const FORMATS: readonly LogFormat[] = ["json", "pretty"];
// pino's own names, most verbose first, as an operator reads them.
const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

export interface LogOutput {
  /** Whether the output is a terminal (pretty lines by default). */
  readonly isTTY?: boolean | undefined;
  /** Where lines go; stdout when absent. */
  readonly destination?: DestinationStream;
}

export function createLogger(
  env: Readonly<Record<string, string | undefined>>,
  output: LogOutput = process.stdout,
): Logger {
  const options: LoggerOptions = {
    level: logLevelOf(env),
    base: { service: "floopy" },
    redact: {
      paths: [
        "headers.authorization",
        'headers["x-api-key"]',
        'headers["x-goog-api-key"]',
        "*.headers.authorization",
        "apiKey",
        "*.apiKey",
        "api_key",
        "*.api_key",
        "key",
      ],
      censor: "[REDACTED]",
    },
  };
  const isTTY = output.isTTY === true;
  if (logFormatOf(env, isTTY) === "json") {
    return output.destination === undefined ? pino(options) : pino(options, output.destination);
  }
  const destination = output.destination ?? pino.destination(1);
  // Colours only for a terminal: a piped `pretty` stays plain text for files and `grep`.
  return pino(options, prettyOutput({ colorize: isTTY && env.NO_COLOR === undefined, destination }));
}

/** `FLOOPY_LOG_FORMAT`, or pretty for a terminal and JSON for anything else. */
export function logFormatOf(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): LogFormat {
  const given = env.FLOOPY_LOG_FORMAT;
  if (given === undefined || given === "") return isTTY ? "pretty" : "json";
  const format = given.toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`FLOOPY_LOG_FORMAT: '${given}' is not a log format; use json or pretty`);
  }
  return format as LogFormat;
}

/** `FLOOPY_LOG_LEVEL`, any case, or a ConfigError of one line naming the levels that exist. */
export function logLevelOf(env: Readonly<Record<string, string | undefined>>): string {
  const given = env.FLOOPY_LOG_LEVEL;
  if (given === undefined || given === "") return "info";
  const level = given.toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`FLOOPY_LOG_LEVEL: '${given}' is not a log level; use one of ${LEVELS.join(", ")}`);
  }
  return level;
}
