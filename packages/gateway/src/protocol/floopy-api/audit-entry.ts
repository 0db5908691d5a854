/**
 * One control change as both the admin API and the own API hand it to the audit log: who (the
 * key), what (`<resource>.<verb>`), and hashes of the object before and after — the object as the
 * API answers it, which never holds a secret. The shape matches store/types.ts' NewAuditEntry.
 */
import { objectHash } from "./object-hash.js";

export interface AuditChange {
  /** `orgs`, `projects`, `keys`, `routing_rules`, `constraints`. */
  resource: string;
  /** `create`, `update`, `replace`, `revoke`, `delete`. */
  verb: string;
  resourceId: string;
  /** The object before the change; null when it did not exist. */
  before: object | null;
  /** The object after it; null when the change removed it. */
  after: object | null;
  /** More to read the entry by (changed fields, …); never a secret. */
  detail?: Record<string, unknown>;
}

export function auditEntry(change: AuditChange, actorKeyId: string | null, requestId: string | null) {
  return {
    actorKeyId,
    action: `${change.resource}.${change.verb}`,
    resource: change.resource,
    resourceId: change.resourceId,
    beforeHash: change.before === null ? null : objectHash(change.before),
    afterHash: change.after === null ? null : objectHash(change.after),
    detail: { ...change.detail, ...(requestId === null ? {} : { request_id: requestId }) },
  };
}
