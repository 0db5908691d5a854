/**
 * The CLI's key changes go into the same audit log as the admin API's (INTERFACE.md: every
 * change, whoever made it), with no key as the actor — the operator at a shell holds the store,
 * not a key — and `via: "cli"` in the detail.
 */

import type { AuditChange } from "../protocol/floopy-api/audit-entry.js";
import { auditEntry } from "../protocol/floopy-api/audit-entry.js";
import type { ControlStore } from "../store/types.js";

export async function auditCliChange(
  control: Pick<ControlStore, "appendAudit">,
  change: AuditChange,
): Promise<void> {
  await control.appendAudit(auditEntry({ ...change, detail: { ...change.detail, via: "cli" } }, null, null));
}
