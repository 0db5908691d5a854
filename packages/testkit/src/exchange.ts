/**
 * One request/response pair of a fake server. Routes answer through it (`json`, `error`,
 * `stream`) and it applies the response-time fault while writing, so every vendor fake gets
 * slow drips, truncated JSON, cut connections and in-band errors without code of its own.
 */
import type { ServerResponse } from "node:http";
import type { RecordedRequest, WireError, WireProtocol } from "./fake-server.js";
import type { ResponseFault } from "./faults.js";
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
    let text = JSON.stringify(payload);
    if (fault?.kind === "malformed-json") text = truncatedText(text);
    const response = this.response;
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
    const stopAt =
      fault?.kind === "disconnect-mid-stream" || fault?.kind === "in-band-error"
        ? fault.afterChunks
        : Number.POSITIVE_INFINITY;
    const malformedAt = fault?.kind === "malformed-json" ? Math.min(1, frames.length - 1) : -1;
    const interval = fault?.kind === "slow-drip" ? fault.intervalMs : 0;
    let sent = 0;
    for (const frame of frames) {
      if (sent >= stopAt) break;
      if (interval > 0 && sent > 0 && !(await this.wait(interval))) return;
      if (this.closed) return;
      if (sent === malformedAt) response.write(encodeSseFrame(truncatedFrame(frame)));
      response.write(encodeSseFrame(frame));
      sent += 1;
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
