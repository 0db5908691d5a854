/**
 * Ids of the own API's objects (prompts, experiments, feedback, datasets, runs, results): a short
 * prefix naming the kind, the creation time in base 36 (so ids sort by creation time), then 64
 * random bits, so instances never collide. The store assigns them.
 */
import { randomBytes } from "node:crypto";

export function newObjectId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
}
