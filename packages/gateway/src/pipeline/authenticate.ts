/**
 * Authenticate: finds the caller's gateway key in the control snapshot by its hash. Missing,
 * unknown, revoked and expired keys all get the same 401 so a caller cannot probe which keys
 * exist. A valid key on the wrong side (an admin key on /v1, a gateway key on /admin) is a 403.
 *
 * It reads headers and the query string only, never the body: the HTTP server runs it as soon as
 * a request's headers are in (`authenticateCaller`), so a caller without a valid key is refused
 * while it is still sending — or withholding — its body. Every route, generation, Floopy's own
 * API and the admin API, goes through this one step. How each protocol's callers present their
 * key is the protocol folder's business (protocol/caller-keys.ts).
 */
import { hashApiKey } from "../control/api-keys.js";
import { GatewayError } from "../errors/gateway-error.js";
import { callerKeys } from "../protocol/caller-keys.js";
import type { IngressProtocol } from "../protocol/ingress-protocol.js";
import { presentedCallerKey } from "../protocol/shared/caller-key.js";
import type { Operation } from "../providers/declaration.js";
import type { ApiKeyRecord } from "../store/types.js";
import type { RequestContext } from "./request-context.js";
import type { GatewayServices } from "./services.js";

/** An authenticated caller: its key, and the secret it presented (kept only to redact it). */
export interface Caller {
  key: ApiKeyRecord;
  presented: string;
}

export interface CallerCredentials {
  protocol: IngressProtocol;
  operation: Operation;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  query: Readonly<Record<string, unknown>> | undefined;
}

export function authenticateCaller(services: GatewayServices, request: CallerCredentials): Caller {
  const presentation = callerKeys[request.protocol];
  const presented = presentedCallerKey(presentation, request.headers, request.query);
  if (presented === null) {
    throw new GatewayError("INVALID_API_KEY", `You didn't provide an API key. ${presentation.hint}`);
  }
  const key = services.snapshot.keyByHash(hashApiKey(presented));
  const now = Date.now();
  if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt.getTime() <= now)) {
    throw new GatewayError("INVALID_API_KEY", "Incorrect API key provided. Check your Floopy key.");
  }
  // Admin keys administer; gateway keys carry traffic. Neither is accepted on the other's routes.
  const adminRoute = request.operation === "admin";
  if (adminRoute !== (key.scope === "admin")) {
    throw new GatewayError(
      "FORBIDDEN",
      adminRoute
        ? "This key is not an admin key. Admin routes need a key made with `floopy keys create --admin` or FLOOPY_ADMIN_KEY."
        : "This is an admin key; it can only call the admin API (/admin/…). Use a gateway key for requests.",
      { type: "permission_error" },
    );
  }
  return { key, presented };
}

/**
 * Stage: authenticate. The server has normally authenticated the caller from the headers already
 * (the context then carries the key); a request that reaches the pipeline any other way is
 * authenticated here, by the same function.
 */
export function authenticate(context: RequestContext): undefined {
  if (context.key !== null) return undefined;
  const caller = authenticateCaller(context.services, {
    protocol: context.protocol,
    operation: context.operation,
    headers: context.headers,
    query: context.params,
  });
  context.key = caller.key;
  context.presentedKey = caller.presented;
  return undefined;
}
