/**
 * A request context for work the gateway does on a caller's behalf after the caller's own HTTP
 * request is over (an evaluation run): the key it acts for, a deadline, an abort signal, and a
 * response object that exists only because a context carries one — nothing is ever written to it
 * (internal calls run route and dispatch only, which leave their answer in the context).
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { ApiKeyRecord } from "../store/types.js";
import type { RequestContext } from "./request-context.js";
import { createContext } from "./run-pipeline.js";
import type { GatewayServices } from "./services.js";

export function backgroundContext(
  services: GatewayServices,
  work: { id: string; purpose: string; key: ApiKeyRecord; timeoutMs: number },
): RequestContext {
  const request = new IncomingMessage(new Socket());
  const context = createContext(services, {
    id: work.id,
    route: `background:${work.purpose}`,
    protocol: "openai-chat",
    operation: "generate",
    request,
    response: new ServerResponse(request),
    headers: {},
    rawBody: undefined,
  });
  context.key = work.key;
  context.deadline.start(work.timeoutMs);
  return context;
}
