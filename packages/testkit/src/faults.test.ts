import { describe, expect, it } from "vitest";
import { FAULT_HEADER, type Fault, faultHeader, parseFault } from "./faults.js";

describe("parseFault", () => {
  it.each<Fault>([
    {
      kind: "status",
      status: 503,
      message: "overloaded",
      type: "server_error",
      code: null,
      headers: { a: "b" },
    },
    { kind: "rate-limit", retryAfterSeconds: 1.5 },
    { kind: "slow-first-byte", delayMs: 10 },
    { kind: "slow-drip", intervalMs: 0 },
    { kind: "disconnect-mid-stream", afterChunks: 3 },
    { kind: "in-band-error", afterChunks: 0, message: "x" },
    { kind: "malformed-json" },
    { kind: "hang" },
    { kind: "echo-credentials" },
    { kind: "echo-credentials", status: 403 },
    { kind: "drip-bytes", intervalMs: 5 },
    { kind: "stall-mid-stream", afterChunks: 2 },
    { kind: "endless-line", bytes: 1024 },
    { kind: "in-band-echo-credentials", afterChunks: 1 },
  ])("round-trips %j through the header", (fault) => {
    const header = faultHeader(fault)[FAULT_HEADER] ?? "";
    expect(parseFault(JSON.parse(header))).toEqual(fault);
  });

  it.each([
    [null, "JSON object"],
    [{ kind: "explode" }, "unknown fault kind"],
    [{ kind: "status", status: 42 }, "'status'"],
    [{ kind: "disconnect-mid-stream", afterChunks: 1.5 }, "'afterChunks'"],
    [{ kind: "slow-drip", intervalMs: -1 }, "'intervalMs'"],
    [{ kind: "status", status: 500, headers: { a: 1 } }, "'headers'"],
  ])("rejects %j", (value, message) => {
    expect(() => parseFault(value)).toThrow(message);
  });
});
