/**
 * The gateway's logger (pino, JSON lines to stdout). Credential-bearing fields are redacted by
 * path as a safety net; the code never logs them in the first place.
 */
import { type Logger, pino } from "pino";

export function createLogger(env: Readonly<Record<string, string | undefined>>): Logger {
  return pino({
    level: env.FLOOPY_LOG_LEVEL ?? "info",
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
  });
}
