/**
 * Typed errors from a real gateway (401 with its request id, 404, 400), retries against a stub
 * that answers 429 with `Retry-After` and then 200, timeouts, connection failures, aborts, and
 * the key kept out of `util.inspect`, `JSON.stringify` and every error.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, TEST_KEY, type TestGateway } from "../../gateway/test/support/test-gateway.js";
import {
  Floopy,
  FloopyAbortError,
  FloopyAuthError,
  FloopyConflictError,
  FloopyConnectionError,
  FloopyError,
  FloopyNotFoundError,
  FloopyPlanError,
  FloopyRateLimitError,
  FloopyServerError,
  FloopyTimeoutError,
  FloopyValidationError,
} from "../src/index.js";
import { type StubAnswer, startStub } from "./support/stub-server.js";

const WRONG_KEY = "fp_wrong_key_9f8e7d6c5b4a39281706";
const SECRET_KEY = "fp_secret_never_shown_31415926535";

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway();
});

afterAll(async () => {
  await test?.close();
});

const gatewayClient = (apiKey = TEST_KEY) =>
  new Floopy({ apiKey, baseURL: `${test.gateway.url}/v1`, maxRetries: 0 });

async function failure(promise: Promise<unknown>): Promise<FloopyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FloopyError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("typed errors from the gateway", () => {
  it("a wrong key is a FloopyAuthError with the request id, and the key is nowhere in it", async () => {
    const error = await failure(gatewayClient(WRONG_KEY).decisions.list());
    expect(error).toBeInstanceOf(FloopyAuthError);
    expect(error.status).toBe(401);
    expect(error.code).toEqual(expect.any(String));
    expect(error.requestId).toMatch(/.+/);
    expect(error.message).not.toContain(WRONG_KEY);
    expect(inspect(error)).not.toContain(WRONG_KEY);
    expect(JSON.stringify(error)).not.toContain(WRONG_KEY);
  });

  it("an unknown decision is a FloopyNotFoundError with the own API's lowercase code", async () => {
    const error = await failure(gatewayClient().decisions.get("req_does_not_exist"));
    expect(error).toBeInstanceOf(FloopyNotFoundError);
    expect(error).toMatchObject({ status: 404, code: "not_found" });
    expect(error.requestId).toMatch(/.+/);
  });

  it("a bad parameter is a FloopyValidationError naming it", async () => {
    const error = await failure(gatewayClient().requests.list({ from: "not a date" }));
    expect(error).toBeInstanceOf(FloopyValidationError);
    expect(error.status).toBe(400);
    expect(error.message).toContain("from");
  });

  it("an unknown constraint is a FloopyValidationError", async () => {
    const body = { maxRequestsPerMinute: 10, burst: 5 } as unknown as { maxRequestsPerMinute: number };
    await expect(gatewayClient().constraints.update(body)).rejects.toBeInstanceOf(FloopyValidationError);
  });
});

describe("status → class", () => {
  const cases: Array<[StubAnswer, new (...args: never[]) => FloopyError]> = [
    [{ status: 401, body: { error: { code: "invalid_api_key", message: "no" } } }, FloopyAuthError],
    [{ status: 403, body: { error: { code: "read_permission", message: "no" } } }, FloopyAuthError],
    [{ status: 403, body: { error: { code: "plan_required", message: "Upgrade." } } }, FloopyPlanError],
    [{ status: 400, body: { error: { code: "invalid_body", message: "bad" } } }, FloopyValidationError],
    [{ status: 422, body: { error: { code: "invalid_body", message: "bad" } } }, FloopyValidationError],
    [{ status: 404, body: { error: { code: "not_found", message: "gone" } } }, FloopyNotFoundError],
    [{ status: 409, body: { error: { code: "conflict", message: "finished" } } }, FloopyConflictError],
    [{ status: 500, body: "<html>oops</html>" }, FloopyServerError],
    [
      { status: 429, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "slow" } } },
      FloopyRateLimitError,
    ],
  ];
  for (const [answer, expected] of cases) {
    it(`${answer.status} is ${expected.name}`, async () => {
      const stub = await startStub(() => ({ ...answer, headers: { "floopy-request-id": "req_stub" } }));
      try {
        const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, maxRetries: 0 });
        const error = await failure(client.evaluations.cancel("run_1"));
        expect(error).toBeInstanceOf(expected);
        expect(error).toMatchObject({ status: answer.status, requestId: "req_stub" });
        expect(error.name).toBe(expected.name);
      } finally {
        await stub.close();
      }
    });
  }

  it("403 with a feature is a FloopyPlanError exposing it", async () => {
    const stub = await startStub(() => ({
      status: 403,
      body: { error: { code: "plan_required", message: "Upgrade.", feature: "decision_export" } },
    }));
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL });
      const error = await failure(client.export.decisionsWithTrailer());
      expect(error).toBeInstanceOf(FloopyPlanError);
      expect((error as FloopyPlanError).feature).toBe("decision_export");
      expect(error.code).toBe("plan_required");
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });
});

describe("retries", () => {
  it("honour Retry-After: a 429 then a 200 is two attempts a second apart", async () => {
    let attempts = 0;
    const stub = await startStub(() =>
      ++attempts === 1
        ? { status: 429, headers: { "retry-after": "1" }, body: { error: { code: "RATE_LIMIT_EXCEEDED" } } }
        : { body: { duplicate: false, session_id: "sess_1" } },
    );
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL });
      const started = performance.now();
      const result = await client.feedback.create({ score: 8 });
      expect(result).toEqual({ duplicate: false, sessionId: "sess_1" });
      expect(stub.requests).toHaveLength(2);
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
      // The retry is the same request.
      expect(stub.requests[1]?.body).toBe(stub.requests[0]?.body);
    } finally {
      await stub.close();
    }
  });

  it("maxRetries 0 is one attempt, and the error carries retryAfterSeconds", async () => {
    const stub = await startStub(() => ({
      status: 429,
      headers: { "retry-after": "7" },
      body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests." } },
    }));
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, maxRetries: 0 });
      const error = await failure(client.decisions.list());
      expect(error).toBeInstanceOf(FloopyRateLimitError);
      expect((error as FloopyRateLimitError).retryAfterSeconds).toBe(7);
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it("maxRetries N is up to N + 1 attempts (retry-after-ms, 5xx)", async () => {
    const stub = await startStub(() => ({ status: 503, headers: { "retry-after-ms": "10" }, body: {} }));
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, maxRetries: 3 });
      await expect(client.constraints.get()).rejects.toBeInstanceOf(FloopyServerError);
      expect(stub.requests).toHaveLength(4);
      // A call's own maxRetries wins.
      await expect(client.constraints.get({ maxRetries: 1 })).rejects.toBeInstanceOf(FloopyServerError);
      expect(stub.requests).toHaveLength(6);
    } finally {
      await stub.close();
    }
  });

  it("a Retry-After beyond a minute is not slept through", async () => {
    const stub = await startStub(() => ({ status: 429, headers: { "retry-after": "3600" }, body: {} }));
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, maxRetries: 5 });
      const error = await failure(client.decisions.list());
      expect((error as FloopyRateLimitError).retryAfterSeconds).toBe(3600);
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it("4xx other than 408/409/425/429 is not retried", async () => {
    const stub = await startStub(() => ({ status: 404, body: { error: { code: "not_found" } } }));
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, maxRetries: 3 });
      await expect(client.sessions.get("s")).rejects.toBeInstanceOf(FloopyNotFoundError);
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it("a gateway that cannot be reached is a FloopyConnectionError after the retries", async () => {
    const stub = await startStub(() => ({}));
    const baseURL = stub.baseURL;
    await stub.close();
    const client = new Floopy({ apiKey: SECRET_KEY, baseURL, maxRetries: 1 });
    const error = await failure(client.decisions.list());
    expect(error).toBeInstanceOf(FloopyConnectionError);
    expect(error.message).not.toContain(SECRET_KEY);
  });

  it("a gateway that does not answer in time is a FloopyTimeoutError, each attempt timed", async () => {
    const stub = await startStub(() => undefined);
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, timeout: 100, maxRetries: 1 });
      const error = await failure(client.decisions.list());
      expect(error).toBeInstanceOf(FloopyTimeoutError);
      expect(stub.requests).toHaveLength(2);
    } finally {
      await stub.close();
    }
  });

  it("the caller's signal aborts without retrying", async () => {
    const stub = await startStub(() => undefined);
    try {
      const client = new Floopy({ apiKey: SECRET_KEY, baseURL: stub.baseURL, maxRetries: 3 });
      const error = await failure(client.decisions.list({}, { signal: AbortSignal.timeout(100) }));
      expect(error).toBeInstanceOf(FloopyAbortError);
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });
});

describe("the key", () => {
  it("travels only in Authorization, with the options headers beside it", async () => {
    const stub = await startStub(() => ({ body: { items: [], next_cursor: null, has_more: false } }));
    try {
      const client = new Floopy({
        apiKey: SECRET_KEY,
        baseURL: stub.baseURL,
        defaultHeaders: { "x-team": "search" },
        options: {
          cache: { enabled: true, bucketMaxSize: 4 },
          promptId: "greeting",
          llmSecurityEnabled: true,
        },
      });
      await client.decisions.list({}, { options: { cache: { enabled: false } }, headers: { "x-call": "1" } });
      const request = stub.requests[0];
      expect(request?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
      expect(request?.headers).toMatchObject({
        "x-team": "search",
        "x-call": "1",
        "floopy-cache-enabled": "false",
        "floopy-cache-bucket-max-size": "4",
        "floopy-prompt-id": "greeting",
        "floopy-llm-security-enabled": "true",
      });
      const elsewhere = { ...request?.headers, authorization: undefined };
      expect(JSON.stringify(elsewhere)).not.toContain(SECRET_KEY);
      expect(request?.url.href).not.toContain(SECRET_KEY);
    } finally {
      await stub.close();
    }
  });

  it("never shows in util.inspect or JSON.stringify of the client or its resources", () => {
    const client = new Floopy({ apiKey: SECRET_KEY });
    for (const shown of [
      inspect(client),
      inspect(client, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(client),
      inspect(client.decisions, { depth: 10 }),
      JSON.stringify(client.decisions),
      inspect(client.prompts.versions, { depth: 10 }),
      inspect(client.chat, { depth: 10 }),
      inspect(client.chat.completions, { depth: 10 }),
      JSON.stringify(client.chat),
      inspect(client.openai),
      String(client),
    ]) {
      expect(shown).not.toContain(SECRET_KEY);
    }
    expect(inspect(client)).toContain("[redacted]");
  });

  it("defaults to FLOOPY_API_KEY, and none is a clear error", () => {
    const saved = process.env.FLOOPY_API_KEY;
    try {
      process.env.FLOOPY_API_KEY = SECRET_KEY;
      expect(new Floopy().baseURL).toBe("http://127.0.0.1:8787/v1");
      delete process.env.FLOOPY_API_KEY;
      expect(() => new Floopy()).toThrow(/FLOOPY_API_KEY/);
      expect(() => new Floopy()).toThrow(FloopyError);
    } finally {
      if (saved === undefined) delete process.env.FLOOPY_API_KEY;
      else process.env.FLOOPY_API_KEY = saved;
    }
  });
});
