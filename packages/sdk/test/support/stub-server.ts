/**
 * A tiny `node:http` server standing in for the gateway where a test needs to see the exact wire
 * request (method, path, query, headers, body) or to answer what a real gateway would not (a 429
 * then a 200, a tampered export).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubRequest {
  method: string;
  /** The path and query, e.g. `/v1/decisions?limit=2`. */
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StubAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
}

export type StubHandler = (request: StubRequest, response: ServerResponse) => StubAnswer | undefined;

export interface Stub {
  /** The base URL as the SDK takes it, `/v1` included. */
  baseURL: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request: StubRequest = {
        method: incoming.method ?? "GET",
        url: new URL(incoming.url ?? "/", "http://stub"),
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      const answer = handler(request, response);
      // A handler that wrote the response itself answers undefined.
      if (answer === undefined) return;
      const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
      response.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JSON body of a recorded request. */
export function jsonBody(request: StubRequest | undefined): unknown {
  return request === undefined || request.body === "" ? undefined : JSON.parse(request.body);
}
