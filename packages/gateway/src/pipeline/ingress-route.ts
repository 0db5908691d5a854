/**
 * A route module's declaration of one route: Floopy's own API (platform/) and the admin API
 * (admin/) declare theirs this way, and the HTTP server registers each with the same
 * authentication from headers, the same error renderer and the same runner as generation
 * routes. Only the stages differ: a route module runs authenticate, then its own answer.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { IngressProtocol } from "../protocol/ingress-protocol.js";
import type { Operation } from "../providers/declaration.js";
import type { Stage } from "./request-context.js";

export interface IngressRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify's path syntax (`/v1/decisions/:id`). */
  url: string;
  /** The protocol whose shape the route's errors take. */
  protocol: IngressProtocol;
  /**
   * For a route several SDKs call (`/v1/models`): the caller's protocol from how it presents its
   * key, which decides the shape of the answer and of its errors, authentication's included.
   */
  callerProtocol?: (
    headers: IncomingHttpHeaders,
    query: Readonly<Record<string, unknown>>,
  ) => IngressProtocol;
  operation: Operation;
  /** The route's name in records and metrics. */
  route: string;
  /** Which body limit applies: generation's (32 MiB) or the admin API's (1 MiB). */
  bodyLimit: "generation" | "admin";
  /** Run in order; the first answers. */
  stages: readonly Stage[];
}
