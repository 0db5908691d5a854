import { describe, expect, it } from "vitest";
import { compactSentence } from "./pretty-output.js";

const access = {
  msg: "request",
  requestId: "r1",
  method: "POST",
  path: "/v1/messages",
  status: 200,
  keyName: "prod-app",
  modelRequested: "claude-fast",
  modelServed: "gpt-4o",
  provider: "openai",
  stream: false,
  latencyMs: 250.6,
  ttftMs: null,
  inputTokens: 5,
  outputTokens: 7,
  usageSource: "estimate",
  costUsd: 0.0123,
  fallbackUsed: true,
  attempts: 2,
  errorCode: null,
};

describe("compact sentences", () => {
  it("shows the model change, estimated tokens, cost and the fallback", () => {
    expect(compactSentence(access)).toBe(
      "200 POST /v1/messages claude-fast→gpt-4o openai 251ms ~5/7 tok $0.0123 fallback (2 attempts) key=prod-app req=r1",
    );
  });

  it("says the same model once, and shows retries, errors and a missing key", () => {
    expect(
      compactSentence({
        ...access,
        status: 502,
        modelRequested: "openai/gpt-4o",
        inputTokens: null,
        outputTokens: null,
        costUsd: null,
        fallbackUsed: false,
        attempts: 3,
        errorCode: "PROVIDER_ERROR",
        keyName: null,
      }),
    ).toBe("502 POST /v1/messages openai/gpt-4o openai 251ms 3 attempts error=PROVIDER_ERROR key=- req=r1");
  });

  it("says what happens after a failed attempt", () => {
    const failed = {
      msg: "upstream attempt failed",
      requestId: "r1",
      provider: "openai",
      model: "gpt-4o",
      errorClass: "connection_error",
      status: null,
      attempt: 2,
      latencyMs: 1.2,
    };
    expect(compactSentence({ ...failed, next: "fallback", fallbackTo: "backup/m" })).toBe(
      "openai/gpt-4o failed: connection_error (attempt 2, 1ms) → falling back to backup/m req=r1",
    );
    expect(compactSentence({ ...failed, next: "give_up", status: 504, errorClass: "deadline" })).toBe(
      "openai/gpt-4o failed: deadline 504 (attempt 2, 1ms) → giving up req=r1",
    );
  });

  it("leaves every other line to pino-pretty", () => {
    expect(compactSentence({ msg: "floopy gateway listening", url: "http://x" })).toBeNull();
  });
});
