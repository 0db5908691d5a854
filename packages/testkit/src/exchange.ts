/**
 * One request/response pair of a fake server. Routes answer through it (`json`, `error`,
 * `stream`) and it applies the response-time fault while writing, so every vendor fake gets
 * slow drips, truncated JSON, cut connections and in-band errors without code of its own.
 */
import type { ServerResponse } from "node:http";
import type { Fault, ResponseFault } from "./faults.js";
import type { RecordedRequest, WireError } from "./recorded-request.js";
import { encodeSseFrame, type SseFrame, truncatedFrame, truncatedText } from "./sse.js";

export interface StreamOptions {
  /** Terminator (OpenAI's `[DONE]`), sent after the frames unless a fault ends the stream first. */
  done?: SseFrame;
  headers?: Record<string, string>;
}

/** Tells the exchange whether the server itself is shutting the connection. */
export interface ServerState {
  closing: boolean;
}

export class Exchange {
  /** The fault still to apply while answering; route handlers may read it but need not. */
  readonly fault: ResponseFault | undefined;
  readonly request: RecordedRequest;
  private readonly response: ServerResponse;
  private readonly protocol: WireProtocol;
  private closed = false;
  // Set when the fake cuts the connection on purpose, which is not a client abort.
  private cut = false;

  constructor(
    request: RecordedRequest,
    response: ServerResponse,
    protocol: WireProtocol,
    fault: ResponseFault | undefined,
    server: ServerState,
  ) {
    this.request = request;
    this.response = response;
    this.protocol = protocol;
    this.fault = fault;
    response.once("close", () => {
      this.closed = true;
      if (!response.writableFinished && !this.cut && !server.closing) request.aborted = true;
    });
  }

  /** True once the connection is gone; long-running handlers stop writing. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Answers `body` as JSON. */
  async json(status: number, body: unknown, headers?: Record<string, string>): Promise<void> {
    const fault = this.fault;
    let code = status;
    let payload = body;
    if (fault?.kind === "in-band-error") {
      // A JSON answer has no frames: the error takes the place of the body, under a 200.
      code = 200;
      payload = this.protocol.errorBody(
        this.protocol.statusError({ kind: "status", status: 500, ...message(fault) }),
      );
    }
    if (fault?.kind === "in-band-echo-credentials") {
      code = 200;
      payload = this.protocol.errorBody(this.protocol.echoCredentials(this.request, 500));
    }
    let text = JSON.stringify(payload);
    if (fault?.kind === "malformed-json") text = truncatedText(text);
    const response = this.response;
    if (fault?.kind === "endless-line") {
      response.writeHead(code, {
        ...this.protocol.commonHeaders(this.request),
        ...headers,
        "content-type": "application/json",
      });
      await this.writeEndless('{"id":"', fault.bytes);
      return;
    }
    if (fault?.kind === "in-band-echo-credentials") {
      response.writeHead(code, {
        ...this.protocol.commonHeaders(this.request),
        ...headers,
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(text)),
      });
      await this.writeSplitAtCredential(text);
      return;
    }
    response.writeHead(code, {
      ...this.protocol.commonHeaders(this.request),
      ...headers,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
    });
    if (fault?.kind === "disconnect-mid-stream") {
      response.write(truncatedText(text));
      this.cutConnection();
      return;
    }
    if (fault?.kind === "slow-drip") {
      response.flushHeaders();
      if (!(await this.wait(fault.intervalMs))) return;
    }
    if (fault?.kind === "drip-bytes") {
      await this.dripBytes(text, fault.intervalMs);
      if (!this.closed) response.end();
      return;
    }
    if (fault?.kind === "stall-mid-stream") {
      response.write(truncatedText(text));
      await this.untilClosed();
      return;
    }
    response.end(text);
  }

  /** Answers an error in the vendor's shape. */
  error(error: WireError, headers?: Record<string, string>): Promise<void> {
    return this.json(error.status, this.protocol.errorBody(error), headers);
  }

  /** Answers a 200 event stream, one `write` per frame. */
  async stream(frames: readonly SseFrame[], options: StreamOptions = {}): Promise<void> {
    const response = this.response;
    const fault = this.fault;
    response.writeHead(200, {
      ...this.protocol.commonHeaders(this.request),
      ...options.headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    if (fault?.kind === "endless-line") {
      await this.writeEndless("data: ", fault.bytes);
      return;
    }
    const stopAt =
      fault?.kind === "disconnect-mid-stream" ||
      fault?.kind === "in-band-error" ||
      fault?.kind === "stall-mid-stream" ||
      fault?.kind === "in-band-echo-credentials"
        ? fault.afterChunks
        : Number.POSITIVE_INFINITY;
    const drip = fault?.kind === "drip-bytes" ? fault.intervalMs : -1;
    const malformedAt = fault?.kind === "malformed-json" ? Math.min(1, frames.length - 1) : -1;
    const interval = fault?.kind === "slow-drip" ? fault.intervalMs : 0;
    let sent = 0;
    for (const frame of frames) {
      if (sent >= stopAt) break;
      if (interval > 0 && sent > 0 && !(await this.wait(interval))) return;
      if (this.closed) return;
      if (sent === malformedAt) response.write(encodeSseFrame(truncatedFrame(frame)));
      if (drip >= 0) {
        if (!(await this.dripBytes(encodeSseFrame(frame), drip))) return;
      } else response.write(encodeSseFrame(frame));
      sent += 1;
    }
    if (fault?.kind === "stall-mid-stream") {
      await this.untilClosed();
      return;
    }
    if (fault?.kind === "in-band-echo-credentials") {
      const error = this.protocol.echoCredentials(this.request, 500);
      await this.writeSplitAtCredential(encodeSseFrame(this.protocol.streamError(error)));
      return;
    }
    if (fault?.kind === "disconnect-mid-stream") {
      this.cutConnection();
      return;
    }
    if (fault?.kind === "in-band-error") {
      const error = this.protocol.statusError({ kind: "status", status: 500, ...message(fault) });
      response.end(encodeSseFrame(this.protocol.streamError(error)));
      return;
    }
    if (options.done !== undefined) {
      if (interval > 0 && sent > 0 && !(await this.wait(interval))) return;
      if (this.closed) return;
      response.write(encodeSseFrame(options.done));
    }
    response.end();
  }

  /** Resolves true after `ms`, or false as soon as the connection closes. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onClose = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.response.off("close", onClose);
        resolve(!this.closed);
      }, ms);
      this.response.once("close", onClose);
    });
  }

  /** Writes `text` one byte at a time, `intervalMs` apart; false once the connection closed. */
  private async dripBytes(text: string, intervalMs: number): Promise<boolean> {
    const bytes = Buffer.from(text);
    this.response.flushHeaders();
    for (let index = 0; index < bytes.length; index++) {
      if (this.closed) return false;
      this.response.write(bytes.subarray(index, index + 1));
      if (!(await this.wait(intervalMs))) return false;
    }
    return !this.closed;
  }

  /** Resolves when the connection closes (whoever closes it). */
  private untilClosed(): Promise<void> {
    this.response.flushHeaders();
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.response.once("close", () => resolve()));
  }

  /** `prefix`, then `bytes` bytes of `x` with no newline, as fast as the client reads; ends if all went out. */
  private async writeEndless(prefix: string, bytes: number): Promise<void> {
    const response = this.response;
    const block = Buffer.alloc(64 * 1024, "x");
    response.write(prefix);
    let sent = 0;
    while (sent < bytes && !this.closed) {
      const piece = bytes - sent >= block.length ? block : block.subarray(0, bytes - sent);
      sent += piece.length;
      if (!response.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off("drain", done);
            response.off("close", done);
            resolve();
          };
          response.once("drain", done);
          response.once("close", done);
        });
      }
    }
    if (!this.closed) response.end();
  }

  /** Writes `text` in two writes, apart in time, split in the middle of the request's credential. */
  private async writeSplitAtCredential(text: string): Promise<void> {
    const credential = presentedCredential(this.request);
    const at = credential === "" ? -1 : text.indexOf(credential);
    const split = at === -1 ? Math.floor(text.length / 2) : at + Math.floor(credential.length / 2);
    this.response.write(text.slice(0, split));
    if (!(await this.wait(25))) return;
    this.response.end(text.slice(split));
  }

  /** Closes the connection without finishing the response, after flushing what was written. */
  cutConnection(): void {
    this.cut = true;
    const response = this.response;
    // Headers go out with the first write; without one the client must still see them.
    response.flushHeaders();
    // end() rather than destroy(): it flushes the frames already written before the FIN.
    response.socket?.end();
  }
}

function message(fault: { message?: string }): { message?: string } {
  return fault.message === undefined ? {} : { message: fault.message };
}

/** The credential a request carried, whichever way its vendor sends it. */
function presentedCredential(request: RecordedRequest): string {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === "string" ? value : undefined;
  };
  const bearer = header("authorization")?.replace(/^Bearer\s+/i, "");
  return header("x-api-key") ?? header("x-goog-api-key") ?? request.query.get("key") ?? bearer ?? "";
}

/** What a vendor fake declares; the server and `Exchange` do everything else. */
export interface WireProtocol {
  /** Headers on every answer (request id, rate-limit headers). Called once per answer. */
  commonHeaders(request: RecordedRequest): Record<string, string>;
  /** The body of an error answer. */
  errorBody(error: WireError): unknown;
  /** The frame a stream carries when it fails after it began. */
  streamError(error: WireError): SseFrame;
  /** A `status` fault with the vendor's default message and type filled in. */
  statusError(fault: Extract<Fault, { kind: "status" }>): WireError;
  rateLimit(
    retryAfterSeconds: number,
    request: RecordedRequest,
  ): { error: WireError; headers: Record<string, string> };
  /** The error of an `echo-credentials` fault: its message repeats the request's credential verbatim. */
  echoCredentials(request: RecordedRequest, status: number): WireError;
  /** Answers a request that got no replacing fault. */
  handle(exchange: Exchange): Promise<void> | void;
}
