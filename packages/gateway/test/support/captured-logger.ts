/**
 * A real pino logger whose lines are kept in memory, for tests that check what the operator is
 * told (the level, the message, and that no credential is in it).
 */
import { type Logger, pino } from "pino";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLogger {
  logger: Logger;
  lines: LogLine[];
  /** Every line as written, for "no secret anywhere" checks. */
  text(): string;
}

export function capturedLogger(level = "info"): CapturedLogger {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines, text: () => raw.join("") };
}

/** pino's number for `warn`. */
export const WARN = 40;
