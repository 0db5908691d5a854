/**
 * What a Floopy gateway key looks like (`fp_` and at least 16 URL-safe characters), so a
 * misplaced value in FLOOPY_BOOTSTRAP_KEY or FLOOPY_ADMIN_KEY is refused at start. Keys are made
 * by control/api-keys.ts.
 */
export function looksLikeGatewayKey(value: string): boolean {
  return /^fp_[A-Za-z0-9_-]{16,}$/.test(value);
}
