/**
 * Tracks which caller connections have a request in flight, so a graceful stop can close every
 * connection the moment it has nothing left to answer — including connections opened but never
 * used, which Node's own `closeIdleConnections()` leaves alone (and whose header timeout stops
 * being checked once the server is closing).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionTracker {
  /** From now on, close each connection as soon as it has no request in flight. */
  startDraining(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  const inFlight = new Map<Socket, number>();
  let draining = false;
  server.on("connection", (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once("close", () => inFlight.delete(socket));
  });
  server.on("request", (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const remaining = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, remaining);
      if (draining && remaining === 0) socket.destroySoon();
    });
  });
  return {
    startDraining() {
      draining = true;
      for (const [socket, count] of inFlight) if (count === 0) socket.destroySoon();
    },
  };
}
