/**
 * Gateway API keys: random `fp_` strings shown once, stored only as `sha256:<hex>` of the whole
 * key, looked up by that hash.
 */
import { createHash, randomBytes } from "node:crypto";

export function generateApiKey(): string {
  return `fp_${randomBytes(24).toString("base64url")}`;
}

export function hashApiKey(key: string): string {
  return `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/** What lists show of a key: enough to recognise it, never enough to use it. */
export function displayPrefix(key: string): string {
  return `${key.slice(0, 7)}…`;
}
