/**
 * `--expires-at`: an ISO-8601 date or date-time in the future. A date already past would make a
 * key that never works, which is always a mistake, so it is refused rather than stored.
 */
import { ConfigError } from "../config/config-error.js";

export function parseExpiry(
  command: string,
  text: string,
  options: { allowNever?: boolean; now?: Date } = {},
): Date | null {
  if (options.allowNever && text === "never") return null;
  // `new Date` also reads locale forms like 03/04/2027, whose day and month are ambiguous.
  const date = /^\d{4}-\d{2}-\d{2}([T ]|$)/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new ConfigError(
      `${command}: --expires-at: expected an ISO-8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z${options.allowNever ? ", or never" : ""}, got "${text}"`,
    );
  }
  const now = options.now ?? new Date();
  if (date.getTime() <= now.getTime()) {
    throw new ConfigError(
      `${command}: --expires-at: ${date.toISOString()} is in the past (it is now ${now.toISOString()}); give a future date`,
    );
  }
  return date;
}
