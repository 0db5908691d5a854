/**
 * Encoding of values both dialects store the same way (see schema.ts): instants as epoch
 * milliseconds, booleans as 0/1, and the parameter budget that bounds one multi-row insert.
 */

/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER (PostgreSQL allows 65535, so this bounds both). */
export const MAX_BOUND_PARAMETERS = 32_766;

export function toEpochMs(date: Date): number {
  const ms = date.getTime();
  // An invalid Date would be stored as NULL or NaN and come back as something else.
  if (Number.isNaN(ms)) throw new RangeError("cannot store an invalid Date");
  return ms;
}

export function toEpochMsOrNull(date: Date | null): number | null {
  return date === null ? null : toEpochMs(date);
}

export function fromEpochMs(value: number): Date {
  return new Date(value);
}

export function fromEpochMsOrNull(value: number | null): Date | null {
  return value === null ? null : new Date(value);
}

export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value !== 0;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
