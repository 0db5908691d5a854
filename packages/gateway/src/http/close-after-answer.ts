/**
 * Refusing a request before its body is read (no key, unknown route) leaves body bytes in flight.
 * Answering with `Connection: close` makes Node destroy the socket once the answer is written —
 * and closing a socket with unread bytes sends a TCP reset, which can reach the client before it
 * has read the answer. So the socket lingers instead: our side is shut after the answer (the
 * client sees the end of the response), what the client still sends is read and dropped, and the
 * socket is destroyed when the client closes its side or after `lingerMs`, whichever comes first.
 */
import type { Socket } from "node:net";

export function closeAfterAnswer(socket: Socket, lingerMs: number): void {
  // Node's server calls `destroySoon()` after the last response of a `Connection: close` socket.
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once("end", () => socket.destroy());
    socket.once("close", () => clearTimeout(timer));
  };
}
