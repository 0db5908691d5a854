/**
 * Which variant of an experiment a request gets: a hash of the experiment and the request's
 * sticky key (its session, else its own id) into 100 buckets, the first `split_percentage` of them
 * variant B. Deterministic, so every turn of a session lands on the same variant on every
 * instance, with no state to share; a rollback ends the experiment, so all traffic is A again.
 */
import { createHash } from "node:crypto";

export function experimentVariant(
  experimentId: string,
  stickyKey: string,
  splitPercentage: number,
): "A" | "B" {
  const digest = createHash("sha256").update(experimentId).update("\u0000").update(stickyKey).digest();
  const bucket = digest.readUInt32BE(0) % 100;
  return bucket < splitPercentage ? "B" : "A";
}
