/**
 * Ids of the own API's objects (prompts, experiments, feedback, datasets, runs): a short prefix
 * naming the kind, then a UUIDv7's hex, so ids sort by creation time and never collide across
 * instances.
 */
import { newRequestId } from "../../http/request-id.js";

export function newObjectId(prefix: string): string {
  return `${prefix}_${newRequestId().replaceAll("-", "")}`;
}
