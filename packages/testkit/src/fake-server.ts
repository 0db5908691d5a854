/**
 * The vendor-neutral half of every fake upstream: an HTTP server on 127.0.0.1, request reading
 * and recording, fault selection (one-shot queue, then selector, then header) and the faults that
 * replace an answer (hang, delays, error statuses). A vendor fake supplies a `WireProtocol`: its
 * error shapes, headers and routes. Built on `node:http` alone because benchmarks use the fakes as
 * zero-delay upstreams.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Exchange, type ServerState, type WireProtocol } from "./exchange.js";
import type { RecordedRequest, WireError } from "./recorded-request.js";

export type { RecordedRequest, WireError, WireProtocol };

import { FAULT_HEADER, type Fault, type FaultSelector, parseFault, type ResponseFault } from "./faults.js";

export interface FakeServerOptions {
  protocol: WireProtocol;
  /** Defaults to 0: a free port. */
  port?: number;
}

export interface FakeServer {
  /** "http://127.0.0.1:<port>" */
  readonly origin: string;
  /** Every request received, in order (empty while recording is off). */
  readonly requests: RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  /** Consulted per request when no one-shot fault is pending; undefined removes it. */
  setFault(selector: FaultSelector | undefined): void;
  /** One-shot faults for the next requests, one each, in order. */
  pushFault(...faults: Fault[]): void;
  /** Turns keeping `requests` on or off (on by default); `lastRequest()` works either way. */
  recordRequests(enabled: boolean): void;
  /** Forgets recorded requests and faults. */
  reset(): void;
  /** Stops listening and destroys every open connection, streams in progress included. */
  close(): Promise<void>;
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const { protocol } = options;
  const requests: RecordedRequest[] = [];
  const pending: Fault[] = [];
  const state: ServerState = { closing: false };
  let selector: FaultSelector | undefined;
  let last: RecordedRequest | undefined;
  let recording = true;

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const rawBody = await readBody(incoming);
    const url = incoming.url ?? "/";
    const queryAt = url.indexOf("?");
    const request: RecordedRequest = {
      method: incoming.method ?? "GET",
      path: queryAt === -1 ? url : url.slice(0, queryAt),
      query: new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1)),
      headers: incoming.headers,
      rawBody: rawBody ?? Buffer.alloc(0),
      body: parseJson(rawBody),
      receivedAt,
      aborted: rawBody === undefined,
    };
    last = request;
    if (recording) requests.push(request);
    if (rawBody === undefined) return;

    let fault: Fault | undefined;
    try {
      fault = pending.shift() ?? selector?.(request) ?? headerFault(request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const reason = protocol.statusError({
        kind: "status",
        status: 400,
        message: `testkit fault: ${message}`,
      });
      await new Exchange(request, response, protocol, undefined, state).error(reason);
      return;
    }
    const exchange = new Exchange(request, response, protocol, responseFault(fault), state);
    switch (fault?.kind) {
      case "hang":
        return;
      case "slow-first-byte":
        if (!(await exchange.wait(fault.delayMs))) return;
        break;
      case "status":
        await exchange.error(protocol.statusError(fault), fault.headers);
        return;
      case "rate-limit": {
        const { error, headers } = protocol.rateLimit(fault.retryAfterSeconds, request);
        await exchange.error(error, headers);
        return;
      }
      case "echo-credentials":
        await exchange.error(protocol.echoCredentials(request, fault.status ?? 401));
        return;
      default:
        break;
    }
    await protocol.handle(exchange);
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      // A bug in a handler must fail the one request loudly, not the test process.
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const body = JSON.stringify(
        protocol.errorBody(
          protocol.statusError({ kind: "status", status: 500, message: `testkit: ${message}` }),
        ),
      );
      response.writeHead(500, { "content-type": "application/json" }).end(body);
    });
  });
  // Longer than clients' idle timeouts, like real vendors, so pooled connections stay usable.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    lastRequest: () => last,
    setFault(next) {
      selector = next;
    },
    pushFault(...faults) {
      pending.push(...faults);
    },
    recordRequests(enabled) {
      recording = enabled;
    },
    reset() {
      requests.length = 0;
      pending.length = 0;
      selector = undefined;
      last = undefined;
    },
    close() {
      state.closing = true;
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** The whole body, or undefined when the client went away before sending all of it. */
function readBody(incoming: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    incoming.once("close", () => {
      if (!incoming.complete) resolve(undefined);
    });
  });
}

function parseJson(rawBody: Buffer | undefined): unknown {
  if (rawBody === undefined || rawBody.length === 0) return undefined;
  try {
    return JSON.parse(rawBody.toString("utf8"));
  } catch {
    return undefined;
  }
}

function headerFault(request: RecordedRequest): Fault | undefined {
  const header = request.headers[FAULT_HEADER];
  if (typeof header !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(header);
  } catch {
    throw new TypeError(`${FAULT_HEADER} is not valid JSON`);
  }
  return parseFault(value);
}

function responseFault(fault: Fault | undefined): ResponseFault | undefined {
  switch (fault?.kind) {
    case "slow-drip":
    case "disconnect-mid-stream":
    case "in-band-error":
    case "malformed-json":
    case "drip-bytes":
    case "stall-mid-stream":
    case "endless-line":
    case "in-band-echo-credentials":
      return fault;
    default:
      return undefined;
  }
}

/** True when the request carried a body that is not JSON. */
export function hasMalformedBody(request: RecordedRequest): boolean {
  return request.rawBody.length > 0 && request.body === undefined;
}

/** Narrows a parsed JSON value to an object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
