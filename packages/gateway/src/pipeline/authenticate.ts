/**
 * Stage: authenticate. Finds the caller's gateway key in the control snapshot by its hash;
 * missing, unknown, revoked and expired keys all get the same 401 so a caller cannot probe which
 * keys exist. A valid key on the wrong side (an admin key on /v1, a gateway key on /admin) is a 403.
 */
import { hashApiKey } from "../control/api-keys.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { RequestContext } from "./request-context.js";

export function authenticate(context: RequestContext): undefined {
  const presented = presentedKey(context);
  if (presented === null) {
    throw new GatewayError(
      "INVALID_API_KEY",
      "You didn't provide an API key. Provide your Floopy key in the Authorization header: 'Authorization: Bearer fp_…'.",
    );
  }
  context.presentedKey = presented;
  const key = context.services.snapshot.keyByHash(hashApiKey(presented));
  const now = Date.now();
  if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt.getTime() <= now)) {
    throw new GatewayError("INVALID_API_KEY", "Incorrect API key provided. Check your Floopy key.");
  }
  // Admin keys administer; gateway keys carry traffic. Neither is accepted on the other's routes.
  const adminRoute = context.operation === "admin";
  if (adminRoute !== (key.scope === "admin")) {
    throw new GatewayError(
      "FORBIDDEN",
      adminRoute
        ? "This key is not an admin key. Admin routes need a key made with `floopy keys create --admin` or FLOOPY_ADMIN_KEY."
        : "This is an admin key; it can only call the admin API (/admin/…). Use a gateway key for requests.",
      { type: "permission_error" },
    );
  }
  context.key = key;
  return undefined;
}

function presentedKey(context: RequestContext): string | null {
  const authorization = context.headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  // Each SDK sends its key its own way: Anthropic's as x-api-key, Gemini's as x-goog-api-key or ?key=.
  if (context.protocol === "anthropic-messages") {
    const key = context.headers["x-api-key"];
    if (typeof key === "string" && key !== "") return key.trim();
  }
  if (context.protocol === "gemini" || context.protocol === "gemini-embeddings") {
    const key = context.headers["x-goog-api-key"];
    if (typeof key === "string" && key !== "") return key.trim();
    const fromQuery = context.params.key;
    if (fromQuery !== undefined && fromQuery !== "") return fromQuery;
  }
  return null;
}
