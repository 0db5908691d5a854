/**
 * Unique ids for responses (`chatcmpl-…`, `req_…`, `call_…`): a random per-server seed plus a
 * counter, so ids are unique across fakes without paying for randomness on every request.
 */
import { randomBytes } from "node:crypto";

export interface IdSource {
  next(prefix: string): string;
}

export function createIdSource(): IdSource {
  const seed = randomBytes(6).toString("hex");
  let counter = 0;
  return {
    next(prefix) {
      counter += 1;
      return `${prefix}${seed}${counter.toString(36).padStart(6, "0")}`;
    },
  };
}
