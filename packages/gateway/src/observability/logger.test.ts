import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { logAccess } from "./access-line.js";
import { createLogger, logFormatOf } from "./logger.js";
import { warnUpstreamFailure } from "./upstream-warning.js";

function capture(env: Record<string, string>, isTTY = false) {
  const lines: string[] = [];
  const logger = createLogger(env, { isTTY, destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}

const facts = {
  id: "req-1",
  requestedModel: "gpt-4o-mini",
  provider: "openai",
  model: "gpt-4o-mini",
  stream: true,
  status: 200,
  errorCode: null,
  ttftMs: 45.4,
  latencyMs: 123.46,
  usage: { promptTokens: 12, completionTokens: 34 },
  usageSource: "upstream",
  costUsd: 0.0000231,
  fallbackUsed: false,
  attempts: [{}],
};

describe("the log format", () => {
  it("is pretty on a terminal and JSON elsewhere, unless FLOOPY_LOG_FORMAT says otherwise", () => {
    expect(logFormatOf({}, true)).toBe("pretty");
    expect(logFormatOf({}, false)).toBe("json");
    expect(logFormatOf({ FLOOPY_LOG_FORMAT: "json" }, true)).toBe("json");
    expect(logFormatOf({ FLOOPY_LOG_FORMAT: "Pretty" }, false)).toBe("pretty");
  });

  it("refuses an unknown format or level with a ConfigError naming the valid ones", () => {
    expect(() => createLogger({ FLOOPY_LOG_FORMAT: "xml" })).toThrow(ConfigError);
    expect(() => createLogger({ FLOOPY_LOG_FORMAT: "xml" })).toThrow("use json or pretty");
    expect(() => createLogger({ FLOOPY_LOG_LEVEL: "loud" })).toThrow(
      "FLOOPY_LOG_LEVEL: 'loud' is not a log level; use one of trace, debug, info, warn, error, fatal, silent",
    );
    expect(capture({ FLOOPY_LOG_LEVEL: "WARN" }).logger.level).toBe("warn");
  });
});

describe("redaction", () => {
  const secrets = [
    "Bearer sk-header-1",
    "sk-api-key-2",
    "sk-api-key-3",
    "fp_key_4",
    "Bearer sk-nested-5",
    "sk-6",
  ];
  const logSecrets = (logger: ReturnType<typeof createLogger>) =>
    logger.warn(
      {
        headers: { authorization: secrets[0], "x-api-key": secrets[5] },
        apiKey: secrets[1],
        provider: { api_key: secrets[2], headers: { authorization: secrets[4] } },
        key: secrets[3],
      },
      "with secrets",
    );

  it.each([
    ["JSON", "json"],
    ["pretty", "pretty"],
  ])("censors credential fields in %s lines", (_name, format) => {
    const { logger, lines } = capture({ FLOOPY_LOG_FORMAT: format });
    logSecrets(logger);
    const output = lines.join("");
    expect(output).toContain("with secrets");
    expect(output).toContain("[REDACTED]");
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});

describe("the access and upstream lines", () => {
  it("writes the access line as one flat JSON object, without the query string", () => {
    const { logger, lines } = capture({});
    logAccess(
      logger,
      { method: "POST", url: "/v1beta/models/x:generateContent?key=fp_secret" },
      { id: "key_1", name: "prod-app" },
      facts,
    );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 30,
      msg: "request",
      requestId: "req-1",
      method: "POST",
      path: "/v1beta/models/x:generateContent",
      keyName: "prod-app",
      keyId: "key_1",
      ttftMs: 45.4,
      latencyMs: 123.46,
      inputTokens: 12,
      outputTokens: 34,
      costUsd: 0.0000231,
      attempts: 1,
    });
    expect(lines[0]).not.toContain("fp_secret");
  });

  it("writes nothing for the access line when info is off", () => {
    const { logger, lines } = capture({ FLOOPY_LOG_LEVEL: "warn" });
    logAccess(logger, { method: "POST", url: "/v1/chat/completions" }, null, facts);
    expect(lines).toHaveLength(0);
  });

  it("prints compact sentences in pretty mode", () => {
    const { logger, lines } = capture({ FLOOPY_LOG_FORMAT: "pretty" });
    logAccess(
      logger,
      { method: "POST", url: "/v1/chat/completions" },
      { id: "key_1", name: "prod-app" },
      facts,
    );
    warnUpstreamFailure(
      logger,
      "req-1",
      { provider: "openai", model: "gpt-4o", status: 503, errorClass: "http_5xx", latencyMs: 8.2 },
      1,
      { action: "retry", inMs: 200 },
    );
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: 200 POST \/v1\/chat\/completions gpt-4o-mini openai 123ms ttft 45ms 12\/34 tok \$0\.000023 key=prod-app req=req-1\n$/,
    );
    expect(lines[1]).toMatch(
      /WARN: openai\/gpt-4o failed: http_5xx 503 \(attempt 1, 8ms\) → retrying in 200ms req=req-1\n$/,
    );
  });
});
