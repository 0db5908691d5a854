/**
 * Holds requests that arrive while the gateway finishes starting. The gateway binds its port before
 * it writes anything shared (so a start that cannot listen changes nothing), and only then syncs
 * keys and rules and loads its snapshot: a request in between must wait for that, not be answered
 * from an empty snapshot. Once released, the server's own handlers are put back, so the hot path
 * pays nothing for this.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";

export interface HeldRequests {
  /** Hands the held requests, and every later one, to the server's handlers. */
  release(): void;
  /** Drops the held requests' connections: the start failed and the server is closing. */
  refuse(): void;
}

export function holdRequests(server: Server): HeldRequests {
  const handlers = server.listeners("request") as Array<
    (request: IncomingMessage, response: ServerResponse) => void
  >;
  const held: Array<[IncomingMessage, ServerResponse]> = [];
  const hold = (request: IncomingMessage, response: ServerResponse) => {
    held.push([request, response]);
  };
  server.removeAllListeners("request");
  server.on("request", hold);
  const restore = () => {
    server.off("request", hold);
    for (const handler of handlers) server.on("request", handler);
  };
  return {
    release() {
      restore();
      for (const [request, response] of held.splice(0)) {
        for (const handler of handlers) handler.call(server, request, response);
      }
    },
    refuse() {
      for (const [request] of held.splice(0)) request.socket.destroy();
    },
  };
}
