/**
 * The faults a fake upstream can inject, shared by every vendor fake. A fault describes what goes
 * wrong, never how a vendor spells it: each fake's protocol renders the error bodies and frames.
 * This module must not touch sockets; `exchange.ts` and `fake-server.ts` apply the faults.
 */
import type { RecordedRequest } from "./recorded-request.js";

export type Fault =
  /** An error status with the vendor's error body. */
  | {
      kind: "status";
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      headers?: Record<string, string>;
    }
  /** 429 with Retry-After and the vendor's rate-limit headers and body. */
  | { kind: "rate-limit"; retryAfterSeconds: number }
  /** Waits before sending the status line and headers, then answers normally. */
  | { kind: "slow-first-byte"; delayMs: number }
  /** Streams wait between frames; a JSON answer sends its headers, then waits before the body. */
  | { kind: "slow-drip"; intervalMs: number }
  /** Sends `afterChunks` stream frames (a JSON answer: half its body), then closes the connection. */
  | { kind: "disconnect-mid-stream"; afterChunks: number }
  /** Streams `afterChunks` frames, then the vendor's in-band error frame, then ends (no terminator). */
  | { kind: "in-band-error"; afterChunks: number; message?: string }
  /** A JSON answer truncated to invalid JSON; a stream gets one truncated frame after its first. */
  | { kind: "malformed-json" }
  /** Reads the request and never answers, until the client or `close()` ends the connection. */
  | { kind: "hang" }
  /** An error (default 401) whose message repeats the received credential verbatim. */
  | { kind: "echo-credentials"; status?: number }
  /** Headers at once, then the body (JSON or stream) one byte per `intervalMs`. */
  | { kind: "drip-bytes"; intervalMs: number }
  /** Sends `afterChunks` stream frames (a JSON answer: half its body), then nothing, holding the connection open. */
  | { kind: "stall-mid-stream"; afterChunks: number }
  /** A 200 whose body is one line of `bytes` bytes that never ends (no newline), written as fast as it is read. */
  | { kind: "endless-line"; bytes: number }
  /**
   * Streams `afterChunks` frames, then an in-band error whose message repeats the received
   * credential, written in two pieces split inside the credential.
   */
  | { kind: "in-band-echo-credentials"; afterChunks: number };

export type FaultKind = Fault["kind"];

/** Faults applied while the response is written, as opposed to instead of it. */
export type ResponseFault = Extract<
  Fault,
  {
    kind:
      | "slow-drip"
      | "disconnect-mid-stream"
      | "in-band-error"
      | "malformed-json"
      | "drip-bytes"
      | "stall-mid-stream"
      | "endless-line"
      | "in-band-echo-credentials";
  }
>;

/** Consulted for every request that has no one-shot fault pending. */
export type FaultSelector = (request: RecordedRequest) => Fault | undefined;

/** Request header holding a fault as JSON, for tests that call a fake directly. */
export const FAULT_HEADER = "x-testkit-fault";

/**
 * The header that makes a fake apply `fault` to this one request.
 *
 * @example
 * await fetch(`${fake.url}/chat/completions`, { method: "POST", headers: faultHeader({ kind: "hang" }), body });
 */
export function faultHeader(fault: Fault): Record<string, string> {
  return { [FAULT_HEADER]: JSON.stringify(fault) };
}

/** Checks an untrusted value (the fault header's JSON) and returns it as a fault; throws TypeError. */
export function parseFault(value: unknown): Fault {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("a fault must be a JSON object");
  }
  const fields = value as Record<string, unknown>;
  switch (fields.kind) {
    case "status": {
      const fault: Fault = { kind: "status", status: integer(fields, "status", 100, 599) };
      const message = optionalString(fields, "message");
      if (message !== undefined) fault.message = message;
      const type = optionalString(fields, "type");
      if (type !== undefined) fault.type = type;
      if (fields.code === null) fault.code = null;
      else {
        const code = optionalString(fields, "code");
        if (code !== undefined) fault.code = code;
      }
      const headers = optionalHeaders(fields);
      if (headers !== undefined) fault.headers = headers;
      return fault;
    }
    case "rate-limit":
      return { kind: "rate-limit", retryAfterSeconds: number(fields, "retryAfterSeconds") };
    case "slow-first-byte":
      return { kind: "slow-first-byte", delayMs: number(fields, "delayMs") };
    case "slow-drip":
      return { kind: "slow-drip", intervalMs: number(fields, "intervalMs") };
    case "disconnect-mid-stream":
      return { kind: "disconnect-mid-stream", afterChunks: integer(fields, "afterChunks", 0) };
    case "in-band-error": {
      const fault: Fault = { kind: "in-band-error", afterChunks: integer(fields, "afterChunks", 0) };
      const message = optionalString(fields, "message");
      if (message !== undefined) fault.message = message;
      return fault;
    }
    case "malformed-json":
      return { kind: "malformed-json" };
    case "hang":
      return { kind: "hang" };
    case "echo-credentials": {
      if (fields.status === undefined) return { kind: "echo-credentials" };
      return { kind: "echo-credentials", status: integer(fields, "status", 100, 599) };
    }
    case "drip-bytes":
      return { kind: "drip-bytes", intervalMs: number(fields, "intervalMs") };
    case "stall-mid-stream":
      return { kind: "stall-mid-stream", afterChunks: integer(fields, "afterChunks", 0) };
    case "endless-line":
      return { kind: "endless-line", bytes: integer(fields, "bytes", 1) };
    case "in-band-echo-credentials":
      return { kind: "in-band-echo-credentials", afterChunks: integer(fields, "afterChunks", 0) };
    default:
      throw new TypeError(`unknown fault kind ${JSON.stringify(fields.kind)}`);
  }
}

function number(fields: Record<string, unknown>, name: string): number {
  const value = fields[name];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`fault field '${name}' must be a non-negative number`);
  }
  return value;
}

function integer(fields: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const value = fields[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`fault field '${name}' must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || typeof value === "string") return value;
  throw new TypeError(`fault field '${name}' must be a string`);
}

function optionalHeaders(fields: Record<string, unknown>): Record<string, string> | undefined {
  const value = fields.headers;
  if (value === undefined) return undefined;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.every(([, header]) => typeof header === "string")) return Object.fromEntries(entries);
  }
  throw new TypeError("fault field 'headers' must be an object of strings");
}
