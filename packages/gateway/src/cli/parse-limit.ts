/**
 * A key's limit flags (`--rpm`, `--tpm`, `--monthly-budget-usd`): counts are whole numbers from 1
 * (up to what the stores' integer columns hold), a budget is a number of US dollars from 0. The
 * same rules as the config file's keys and the admin API's bodies, so a key means the same
 * whichever way it was made.
 */
import { ConfigError } from "../config/config-error.js";

import { MAX_LIMIT_COUNT as MAX_COUNT } from "../protocol/floopy-api/body-schema.js";

export function parseCount(command: string, flag: string, text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_COUNT) {
    throw new ConfigError(
      `${command}: --${flag}: expected a whole number from 1 to ${MAX_COUNT}, got "${text}"`,
    );
  }
  return value;
}

export function parseUsd(command: string, flag: string, text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new ConfigError(
      `${command}: --${flag}: expected an amount of US dollars such as 50 or 12.5, got "${text}"`,
    );
  }
  return value;
}
