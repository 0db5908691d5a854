/**
 * The hash the audit log keeps of an object before and after a change: sha256 (lowercase hex) of
 * its canonical JSON — keys sorted at every level, no whitespace — so the same object always
 * hashes the same, whichever instance wrote it and in whatever order its fields were built.
 * Callers pass the object as the API answers it, which never holds a secret.
 */
import { createHash } from "node:crypto";

export function objectHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
