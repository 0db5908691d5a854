/**
 * `FLOOPY_LOG_LEVEL` checked before the logger is made: pino throws on an unknown level with a
 * stack trace, where an operator needs one line saying which levels exist.
 */
import { pino } from "pino";
import { ConfigError } from "../config/config-error.js";

export function checkLogLevel(env: Readonly<Record<string, string | undefined>>): void {
  const level = env.FLOOPY_LOG_LEVEL;
  if (level === undefined) return;
  const levels = [...Object.keys(pino.levels.values), "silent"];
  if (!levels.includes(level)) {
    throw new ConfigError(`FLOOPY_LOG_LEVEL: "${level}" is not a log level; use one of ${levels.join(", ")}`);
  }
}
