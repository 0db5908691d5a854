/**
 * What Node's HTTP parser refuses before any route runs — headers over the size limit (431),
 * headers too slow (408), a request line or header that is not HTTP (400) — answered like
 * everything else: an error in the protocol family of the URL (when the request line could be
 * read), with a request id, instead of Node's or Fastify's bare JSON. The connection then closes.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { GatewayError } from "../errors/gateway-error.js";
import { renderError } from "../protocol/render-error.js";
import { newRequestId } from "./request-id.js";
import { routeFamily } from "./route-family.js";

export function answerClientError(
  error: { code?: string | undefined; rawPacket?: unknown },
  socket: Socket,
): void {
  // A reset connection has nobody to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const refusal = refusalOf(error.code);
  if (socket.writable) {
    const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined;
    const rendered = renderError(routeFamily(requestPath(packet)), refusal);
    const body = JSON.stringify(rendered.body);
    const id = newRequestId();
    socket.write(
      `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? "Bad Request"}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `floopy-request-id: ${id}\r\nx-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function refusalOf(code: string | undefined): GatewayError {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return new GatewayError(
        "BAD_REQUEST",
        "The request headers are larger than the limit (max_header_bytes).",
        {
          status: 431,
        },
      );
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new GatewayError(
        "BAD_REQUEST",
        "The request headers did not arrive in time (headers_timeout_ms).",
        {
          status: 408,
        },
      );
    default:
      return new GatewayError("BAD_REQUEST", "The request is not valid HTTP.");
  }
}

/** The path of the request line in what the parser had read, or "" when there is none. */
function requestPath(packet: Buffer | undefined): string {
  if (!packet) return "";
  const line = packet.subarray(0, Math.min(packet.length, 8192)).toString("latin1");
  const match = /^[A-Z]+ (\S+) HTTP\//.exec(line);
  return match?.[1] ?? "";
}
