/** An org as the admin API answers it (and as the audit log hashes it). */
import type { Org } from "../store/types.js";

export function orgObject(org: Org) {
  return { object: "org", id: org.id, name: org.name, created_at: org.createdAt.toISOString() };
}
