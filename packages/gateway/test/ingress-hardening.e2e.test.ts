/**
 * The ingress under hostile callers, over raw TCP where a client library would hide the fault:
 * control characters in anything the gateway echoes get a 400 naming the field (never a request
 * that hangs, never an injected header); a caller without a valid key gets its 401 while it is
 * still sending — or withholding — its body; unknown routes answer 404 in their family's shape.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

let test: TestGateway;
let port: number;

beforeAll(async () => {
  test = await startTestGateway();
  port = Number(new URL(test.gateway.url).port);
});
afterAll(async () => {
  await test?.close();
});
beforeEach(() => {
  test.fake.reset();
});

interface RawAnswer {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
  json: () => Record<string, unknown> & { error?: Record<string, unknown> };
  /** Resolves when the gateway has closed (or half-closed) the connection. */
  closed: Promise<void>;
}

interface RawOptions {
  /** Keep writing body bytes as fast as the socket takes them until the answer arrives. */
  keepSending?: number;
  timeoutMs?: number;
}

/**
 * Writes `head` + `body` on a fresh connection and resolves with the first complete answer
 * (headers and a Content-Length body). Rejects when no answer arrives in time: the fault these
 * tests look for is a request that never ends.
 */
function rawRequest(head: string, body: string | Buffer = "", options: RawOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let answered = false;
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((done) => {
      markClosed = done;
    });
    socket.on("end", () => markClosed());
    socket.on("close", () => markClosed());
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no answer within ${options.timeoutMs ?? 10_000} ms; got ${JSON.stringify(String(received))}`,
        ),
      );
    }, options.timeoutMs ?? 10_000);
    const tryParse = () => {
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headText = received.subarray(0, end).toString("latin1");
      const [statusLine = "", ...lines] = headText.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      if (received.length < end + 4 + length) return;
      const text = received.subarray(end + 4, end + 4 + length).toString("utf8");
      answered = true;
      clearTimeout(timer);
      resolve({
        status: Number(statusLine.split(" ")[1]),
        head: headText,
        headers,
        body: text,
        json: () => JSON.parse(text),
        closed,
      });
    };
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!answered) tryParse();
    });
    socket.on("error", (error) => {
      if (answered) return;
      clearTimeout(timer);
      reject(new Error(`connection failed before an answer: ${error.message}`));
    });
    socket.on("connect", async () => {
      socket.write(head);
      if (body.length > 0) socket.write(body);
      let left = options.keepSending ?? 0;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      while (left > 0 && !answered && !socket.destroyed && socket.writable) {
        left -= chunk.length;
        if (!socket.write(chunk)) {
          await new Promise((drained) => {
            socket.once("drain", drained);
            socket.once("close", drained);
          });
        }
      }
    });
  });
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const json = JSON.stringify(body);
  const lines = [
    `POST ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(json)}`,
    ...Object.entries({ authorization: `Bearer ${TEST_KEY}`, ...headers }).map(
      ([name, value]) => `${name}: ${value}`,
    ),
  ];
  return rawRequest(`${lines.join("\r\n")}\r\n\r\n`, json);
}

const INJECTED = "gpt-4o-mini\r\nX-Injected: yes";
const messages = [{ role: "user", content: "hi" }];

/** An OpenAI-, Anthropic- or Gemini-shaped error body: its code and the field it names. */
function errorOf(answer: RawAnswer): { code: unknown; param: unknown; message: string } {
  const body = answer.json();
  const error = body.error ?? {};
  return { code: error.code, param: error.param, message: String(error.message) };
}

function expectNoInjection(answer: RawAnswer): void {
  expect(answer.head.toLowerCase()).not.toContain("x-injected");
  expect(answer.headers["x-injected"]).toBeUndefined();
  expect(answer.headers["floopy-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
}

describe("control characters in what the gateway echoes", () => {
  it.each([
    ["Chat Completions, CR LF", "/v1/chat/completions", { model: INJECTED, messages }],
    ["Chat Completions, NUL", "/v1/chat/completions", { model: "gpt-4o-mini\u0000", messages }],
    ["Chat Completions, a stream", "/v1/chat/completions", { model: INJECTED, messages, stream: true }],
    ["Responses", "/v1/responses", { model: INJECTED, input: "hi" }],
    ["Embeddings", "/v1/embeddings", { model: "text-embedding-3-small\r\nX-Injected: yes", input: "hi" }],
  ])("answers 400 naming the model on %s, before anything goes upstream", async (_name, path, body) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: "BAD_REQUEST", param: "model" });
    expectNoInjection(answer);
    expect(test.fake.requests).toHaveLength(0);
  });

  it.each([
    ["Messages", "/v1/messages"],
    ["Messages count_tokens", "/v1/messages/count_tokens"],
  ])("answers an Anthropic-shaped 400 naming the model on %s", async (_name, path) => {
    const answer = await post(path, { model: INJECTED, max_tokens: 16, messages });
    expect(answer.status).toBe(400);
    const body = answer.json() as { type?: string; error?: { type?: string; message?: string } };
    expect(body.type).toBe("error");
    expect(body.error?.type).toBe("invalid_request_error");
    expect(body.error?.message).toContain("'model'");
    expectNoInjection(answer);
    expect(test.fake.requests).toHaveLength(0);
  });

  it.each([
    ["generateContent", "gpt-4o-mini%0D%0AX-Injected:%20yes:generateContent"],
    ["streamGenerateContent", "gpt-4o-mini%0D%0AX-Injected:%20yes:streamGenerateContent?alt=sse"],
    ["countTokens", "gpt-4o-mini%00:countTokens"],
    ["embedContent", "text-embedding-3-small%0A:embedContent"],
  ])("answers a Gemini-shaped 400 for a model in the path (%s)", async (_name, tail) => {
    const answer = await post(
      `/v1beta/models/${tail}`,
      { contents: [{ parts: [{ text: "hi" }] }], content: { parts: [{ text: "hi" }] } },
      {},
    );
    expect(answer.status).toBe(400);
    const error = answer.json().error as { status?: string; message?: string };
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("'model'");
    expectNoInjection(answer);
    expect(test.fake.requests).toHaveLength(0);
  });

  it.each([
    "floopy-model-override",
    "floopy-fallback",
    "floopy-routing-rule",
    "floopy-session-id",
    "floopy-session-name",
    "floopy-session-path",
    "floopy-user-id",
    "floopy-project-id",
    "floopy-property-team",
  ])(
    "answers 400 naming %s when it carries CR, LF or NUL (the dry run takes headers as JSON)",
    async (header) => {
      for (const value of ["gpt-4o-mini\r\nX-Injected: yes", "gpt-4o-mini\u0000"]) {
        const answer = await post("/v1/routing/explain", {
          request: { model: "gpt-4o-mini", messages },
          headers: { [header]: value },
        });
        expect(answer.status).toBe(400);
        expect(errorOf(answer)).toMatchObject({ code: "BAD_REQUEST", param: header });
        expectNoInjection(answer);
      }
    },
  );

  it("refuses a control character in a header off the wire without hanging", async () => {
    const answer = await rawRequest(
      "GET /v1/models HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " +
        `${TEST_KEY}\r\nfloopy-session-name: a\u0001b\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
  });

  it("answers a model name outside ASCII, with Floopy-Model percent-encoded", async () => {
    const answer = await post("/v1/chat/completions", { model: "gpt-4o-mini-日本", messages });
    expect(answer.status).toBe(200);
    expect(answer.headers["floopy-model"]).toBe("gpt-4o-mini-%E6%97%A5%E6%9C%AC");
    expect(test.fake.requests).toHaveLength(1);
  });

  it("reads a literal % in a Gemini path once, not twice", async () => {
    const answer = await post("/v1beta/models/gpt-100%25:generateContent", {
      contents: [{ parts: [{ text: "hi" }] }],
    });
    expect(answer.status).toBe(200);
    expect(test.fake.requests[0]?.body).toMatchObject({ model: "gpt-100%" });
  });

  it("answers a URL the router cannot decode with a 400 in its family's shape", async () => {
    const answer = await post("/v1beta/models/%E0%A4%A:generateContent", {});
    expect(answer.status).toBe(400);
    expect((answer.json().error as { status?: string }).status).toBe("INVALID_ARGUMENT");
    expect(answer.headers["floopy-request-id"]).toBeTruthy();
  });
});

/** Headers that announce a 30 MiB body; the tests send only its first bytes (or keep sending). */
function bigBodyHead(method: string, path: string, headers: Record<string, string>): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Content-Type: application/json",
    `Content-Length: ${30 * 1024 * 1024}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

describe("authentication before the body", () => {
  it.each([
    ["no key", {}],
    ["an unknown key", { authorization: "Bearer fp_unknown_0000000000000000" }],
  ])("answers an OpenAI-shaped 401 to %s while the body is withheld", async (_name, headers) => {
    const answer = await rawRequest(bigBodyHead("POST", "/v1/chat/completions", headers), '{"model":');
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe("INVALID_API_KEY");
    expect(answer.headers.connection).toBe("close");
    expect(answer.headers["floopy-request-id"]).toBeTruthy();
    await answer.closed;
    expect(test.fake.requests).toHaveLength(0);
  });

  it("answers an Anthropic-shaped 401 to a wrong x-api-key", async () => {
    const answer = await rawRequest(
      bigBodyHead("POST", "/v1/messages", { "x-api-key": "fp_wrong_00000000000000000000" }),
      "{",
    );
    expect(answer.status).toBe(401);
    const body = answer.json() as { type?: string; error?: { type?: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    await answer.closed;
  });

  it.each([
    ["x-goog-api-key", "/v1beta/models/gemini-2.5-flash:generateContent", { "x-goog-api-key": "wrong" }],
    ["?key=", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=wrong", {}],
    ["no key", "/v1beta/models/gemini-2.5-flash:embedContent", {}],
  ])("answers a Gemini-shaped 401 (%s)", async (_name, path, headers) => {
    const answer = await rawRequest(bigBodyHead("POST", path, headers), "{");
    expect(answer.status).toBe(401);
    expect(answer.json().error).toMatchObject({ code: 401, status: "UNAUTHENTICATED" });
    await answer.closed;
  });

  it("answers the own API's 401 and 403 on the admin routes", async () => {
    const missing = await rawRequest(bigBodyHead("POST", "/admin/routing_rules", {}), "{");
    expect(missing.status).toBe(401);
    expect(missing.json().error).toMatchObject({ code: "INVALID_API_KEY" });
    const gatewayKey = await rawRequest(
      bigBodyHead("POST", "/admin/routing_rules", { authorization: `Bearer ${TEST_KEY}` }),
      "{",
    );
    expect(gatewayKey.status).toBe(403);
    expect(gatewayKey.json().error).toMatchObject({ code: "FORBIDDEN" });
  });

  it("answers 401 to a chunked body that never ends", async () => {
    const head = [
      "POST /v1/chat/completions HTTP/1.1",
      "Host: 127.0.0.1",
      "Content-Type: application/json",
      "Transfer-Encoding: chunked",
      "Authorization: Bearer fp_unknown_0000000000000000",
    ].join("\r\n");
    const answer = await rawRequest(`${head}\r\n\r\n`, '9\r\n{"model":\r\n');
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe("close");
    await answer.closed;
  });

  it("lets a caller that keeps sending read the whole 401 before the connection closes", async () => {
    const answer = await rawRequest(bigBodyHead("POST", "/v1/chat/completions", {}), "", {
      keepSending: 30 * 1024 * 1024,
    });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe("INVALID_API_KEY");
    await answer.closed;
  });

  it("still reads the body of an authenticated request", async () => {
    const answer = await post("/v1/chat/completions", { model: "gpt-4o-mini", messages });
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).not.toBe("close");
  });
});

describe("unknown routes", () => {
  const openai = (answer: RawAnswer) => {
    expect(answer.json().error).toMatchObject({ code: "NOT_FOUND", type: "not_found_error" });
  };
  const anthropic = (answer: RawAnswer) => {
    const body = answer.json() as { type?: string; error?: { type?: string; message?: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(body.error?.message).toContain("(NOT_FOUND)");
  };
  const gemini = (answer: RawAnswer) => {
    expect(answer.json().error).toMatchObject({ code: 404, status: "NOT_FOUND" });
  };
  const ownApi = (answer: RawAnswer) => {
    expect(answer.json().error).toMatchObject({ code: "not_found" });
  };

  it.each([
    ["GET", "/v1/nothing-here", openai],
    ["POST", "/v1/nothing-here", openai],
    ["DELETE", "/v1/chat/completions", openai],
    ["GET", "/nothing-here", openai],
    ["POST", "/v1/messages/nothing-here", anthropic],
    ["GET", "/v1/messages", anthropic],
    ["PUT", "/v1beta/nothing-here", gemini],
    ["POST", "/v1beta/models/gpt-4o-mini:noSuchAction", gemini],
    ["PATCH", "/admin/nothing-here", ownApi],
    ["OPTIONS", "/admin/routing_rules", ownApi],
  ])("answers %s %s with a 404 in its family's shape", async (method, path, shape) => {
    const body = method === "GET" || method === "OPTIONS" ? "" : "{}";
    const head = [
      `${method} ${path} HTTP/1.1`,
      "Host: 127.0.0.1",
      `Authorization: Bearer ${TEST_KEY}`,
      "Content-Type: application/json",
      `Content-Length: ${body.length}`,
    ].join("\r\n");
    const answer = await rawRequest(`${head}\r\n\r\n`, body);
    expect(answer.status).toBe(404);
    expect(answer.headers["floopy-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    shape(answer);
  });

  it.each(["/v1/nothing-here", "/v1beta/models/gemini-2.5-flash:noSuchAction"])(
    "answers the unknown route %s before reading its body",
    async (path) => {
      const answer = await rawRequest(bigBodyHead("POST", path, {}), "{");
      expect(answer.status).toBe(404);
      await vi.waitFor(() => answer.closed, { timeout: 5_000 });
    },
  );
});
