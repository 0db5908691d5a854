/**
 * A hostile upstream, after it has started answering: bodies that drip one byte at a time,
 * streams that stall, lines that never end, errors that quote the key they were sent, and
 * Retry-After values no one should obey. Black box over real sockets: the gateway on a real port,
 * testkit fakes as upstreams, callers in each protocol.
 */
import {
  type FakeAnthropic,
  type FakeGemini,
  type FakeServer,
  type Fault,
  startFakeAnthropic,
  startFakeGemini,
} from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  PROVIDER_KEY,
  startTestGateway,
  storedRecord,
  TEST_KEY,
  type TestGateway,
} from "./support/test-gateway.js";

const ANTHROPIC_KEY = "sk-ant-canary-upstream-faults-5c5c";
const GEMINI_KEY = "AIza-canary-upstream-faults-6d6d";
const ANTHROPIC_MODEL = "claude-haiku-4-5";
const GEMINI_MODEL = "gemini-2.5-flash";
const CAP = 64 * 1024;
const ENDLESS = 64 * 1024 * 1024;

interface Bench {
  test: TestGateway;
  anthropic: FakeAnthropic;
  gemini: FakeGemini;
  close(): Promise<void>;
}

async function startBench(env: Record<string, string>): Promise<Bench> {
  const anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  const gemini = await startFakeGemini({ apiKey: GEMINI_KEY });
  const test = await startTestGateway({
    env: {
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: gemini.url,
      // Faults are injected one after another on purpose; no circuit may open half-way.
      FLOOPY_BREAKER_MIN_REQUESTS: "1000",
      ...env,
    },
    configText: [
      "routing_rules:",
      "  hasty:",
      "    strategy: fallback",
      "    targets: [{ model: openai/gpt-4o-mini }]",
      "    timeout_ms: { total: 800 }",
      "  retrying:",
      "    strategy: fallback",
      "    targets: [{ model: openai/gpt-4o-mini }]",
      "    retry: { attempts: 2, on: [429], backoff_ms: 10 }",
      "    timeout_ms: { total: 5000 }",
      "  retrying-untimed:",
      "    strategy: fallback",
      "    targets: [{ model: openai/gpt-4o-mini }]",
      "    retry: { attempts: 2, on: [429], backoff_ms: 10 }",
      "",
    ].join("\n"),
  });
  return {
    test,
    anthropic,
    gemini,
    async close() {
      await test.close();
      await Promise.all([anthropic.close(), gemini.close()]);
    },
  };
}

type Protocol = "openai" | "anthropic" | "gemini";

/** One raw request in a caller protocol; `text` is the whole answer as it came. */
async function call(
  bench: Bench,
  protocol: Protocol,
  options: { stream: boolean; model?: string; headers?: Record<string, string> },
): Promise<{ status: number; headers: Headers; text: string }> {
  const prompt = "one two three four five six";
  let path: string;
  let body: unknown;
  let headers: Record<string, string>;
  switch (protocol) {
    case "openai":
      path = "/v1/chat/completions";
      body = {
        model: options.model ?? "gpt-4o-mini",
        messages: [{ role: "user", content: prompt }],
        stream: options.stream,
      };
      headers = { authorization: `Bearer ${TEST_KEY}` };
      break;
    case "anthropic":
      path = "/v1/messages";
      body = {
        model: options.model ?? ANTHROPIC_MODEL,
        max_tokens: 64,
        messages: [{ role: "user", content: prompt }],
        stream: options.stream,
      };
      headers = { "x-api-key": TEST_KEY, "anthropic-version": "2023-06-01" };
      break;
    case "gemini":
      path = `/v1beta/models/${options.model ?? GEMINI_MODEL}:${options.stream ? "streamGenerateContent?alt=sse" : "generateContent"}`;
      body = { contents: [{ role: "user", parts: [{ text: prompt }] }] };
      headers = { "x-goog-api-key": TEST_KEY };
      break;
  }
  const response = await fetch(`${bench.test.gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers, ...options.headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function fakeOf(bench: Bench, protocol: Protocol): FakeServer {
  return protocol === "openai" ? bench.test.fake : protocol === "anthropic" ? bench.anthropic : bench.gemini;
}

/** The upstream saw its request aborted, soon after the caller got its answer. */
async function expectUpstreamAborted(fake: FakeServer): Promise<void> {
  await vi.waitFor(() => expect(fake.lastRequest()?.aborted).toBe(true), { timeout: 3_000, interval: 20 });
}

const keys: Record<Protocol, string> = { openai: PROVIDER_KEY, anthropic: ANTHROPIC_KEY, gemini: GEMINI_KEY };
const protocols: Protocol[] = ["openai", "anthropic", "gemini"];

describe("with low caps and short rule deadlines", () => {
  let bench: Bench;

  beforeAll(async () => {
    bench = await startBench({
      FLOOPY_MAX_UPSTREAM_EVENT_BYTES: String(CAP),
      FLOOPY_MAX_UPSTREAM_BODY_BYTES: String(CAP),
    });
  });
  afterAll(async () => {
    await bench?.close();
  });
  beforeEach(() => {
    bench.test.fake.reset();
    bench.anthropic.reset();
    bench.gemini.reset();
  });

  describe("a rule's timeout_ms.total cuts answers that have started", () => {
    it("answers 504 to a JSON body that drips in one byte at a time, and aborts the upstream", async () => {
      bench.test.fake.pushFault({ kind: "drip-bytes", intervalMs: 30 });
      const error = await bench.test.client.chat.completions
        .create(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
          { headers: { "floopy-routing-rule": "hasty" } },
        )
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
      expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("GATEWAY_TIMEOUT");
      await expectUpstreamAborted(bench.test.fake);
    });

    it("ends a stream that stalls mid-way with an in-band 504 the client raises", async () => {
      bench.test.fake.pushFault({ kind: "stall-mid-stream", afterChunks: 2 });
      const { data, response } = await bench.test.client.chat.completions
        .create(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "a b c d e f" }], stream: true },
          { headers: { "floopy-routing-rule": "hasty" } },
        )
        .withResponse();
      let received = "";
      const error = await (async () => {
        for await (const chunk of data) received += chunk.choices[0]?.delta.content ?? "";
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toContain("deadline");
      expect(received.length).toBeGreaterThan(0);
      await expectUpstreamAborted(bench.test.fake);
      const record = await storedRecord(bench.test, response.headers.get("floopy-request-id") ?? "");
      expect(record.status).toBe(504);
      expect(record.errorCode).toBe("GATEWAY_TIMEOUT");
    });
  });

  describe("every upstream buffer is bounded", () => {
    it("fails a pass-through stream whose line never ends with a 502 event, and aborts the upstream", async () => {
      bench.test.fake.pushFault({ kind: "endless-line", bytes: ENDLESS });
      const peak = watchMemory();
      const answer = await call(bench, "openai", { stream: true });
      const grownBy = peak.stop();
      expect(answer.status).toBe(200);
      const lastEvent = answer.text.trimEnd().split("\n\n").at(-1) ?? "";
      expect(JSON.parse(lastEvent.replace(/^data: /, ""))).toMatchObject({
        error: { code: "PROVIDER_ERROR" },
      });
      expect(answer.text.length).toBeLessThan(8 * CAP);
      await expectUpstreamAborted(bench.test.fake);
      // Without the cap the parser holds the whole line: well over 64 MiB.
      expect(grownBy).toBeLessThan(48 * 1024 * 1024);
      const record = await storedRecord(bench.test, answer.headers.get("floopy-request-id") ?? "");
      expect(record.status).toBe(502);
    });

    it("fails a translated stream whose line never ends with an error event the client raises", async () => {
      bench.anthropic.pushFault({ kind: "endless-line", bytes: ENDLESS });
      const stream = await bench.test.client.chat.completions.create({
        model: `anthropic/${ANTHROPIC_MODEL}`,
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      const error = await (async () => {
        for await (const _chunk of stream) {
          // drain
        }
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toContain("limit");
      await expectUpstreamAborted(bench.anthropic);
    });

    it.each(protocols)("answers 502 in the %s shape to a JSON body over the cap", async (protocol) => {
      fakeOf(bench, protocol).pushFault({ kind: "endless-line", bytes: ENDLESS });
      const answer = await call(bench, protocol, { stream: false });
      expect(answer.status).toBe(502);
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      if (protocol === "anthropic") expect(body.type).toBe("error");
      else expect(body.error).toBeDefined();
      await expectUpstreamAborted(fakeOf(bench, protocol));
    });
  });

  describe("no provider credential reaches a caller", () => {
    const faults: Array<[string, Fault, boolean]> = [
      // Not a 401/403 (those are PROVIDER_AUTH_FAILED, whose message relays nothing): a relayed error.
      ["an error body", { kind: "echo-credentials", status: 422 }, false],
      ["a refused key's error body", { kind: "echo-credentials", status: 401 }, false],
      ["an error under a 200", { kind: "in-band-echo-credentials", afterChunks: 0 }, false],
      [
        "a stream's in-band error split inside the key",
        { kind: "in-band-echo-credentials", afterChunks: 2 },
        true,
      ],
    ];
    describe.each(protocols)("from the %s upstream", (protocol) => {
      it.each(faults)("scrubs the key from %s", async (_name, fault, stream) => {
        const fake = fakeOf(bench, protocol);
        fake.pushFault(fault);
        const answer = await call(bench, protocol, { stream });
        // The fake really did quote it.
        expect(fake.lastRequest()).toBeDefined();
        expect(answer.text).not.toContain(keys[protocol]);
        if (fault.kind === "echo-credentials" && fault.status === 401) {
          expect(answer.text).toContain("PROVIDER_AUTH_FAILED");
        } else {
          expect(answer.text).toContain("[REDACTED]");
        }
        for (const [name, value] of answer.headers) expect(`${name}: ${value}`).not.toContain(keys[protocol]);
        const record = await storedRecord(bench.test, answer.headers.get("floopy-request-id") ?? "");
        expect(JSON.stringify(record)).not.toContain(keys[protocol]);
      });
    });

    it("scrubs the key from a translated stream's in-band error", async () => {
      bench.anthropic.pushFault({ kind: "in-band-echo-credentials", afterChunks: 2 });
      const answer = await call(bench, "openai", { stream: true, model: `anthropic/${ANTHROPIC_MODEL}` });
      expect(answer.text).toContain("[REDACTED]");
      expect(answer.text).not.toContain(ANTHROPIC_KEY);
    });
  });

  describe("a hostile Retry-After", () => {
    const hostile: Array<[string, Record<string, string>]> = [
      ["a day", { "retry-after": "86400" }],
      ["a negative number", { "retry-after": "-1" }],
      ["garbage", { "retry-after": "after lunch" }],
      ["a far HTTP date", { "retry-after": "Fri, 31 Dec 9999 23:59:59 GMT" }],
      ["a huge retry-after-ms", { "retry-after-ms": "999999999" }],
      ["nothing at all", {}],
    ];

    function expectClampedRetryAfter(status: number, headers: Headers): void {
      expect(status).toBe(429);
      const retryAfter = headers.get("retry-after") ?? "";
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    }

    it.each(hostile)(
      "gives the caller a 429 with a whole, clamped Retry-After for %s",
      async (_name, headers) => {
        bench.test.fake.pushFault({ kind: "status", status: 429, headers });
        const answer = await call(bench, "openai", { stream: false });
        expectClampedRetryAfter(answer.status, answer.headers);
      },
    );

    it.each(hostile)(
      "retries within the rule's deadline, without sleeping past it, for %s",
      async (_name, headers) => {
        bench.test.fake.setFault(() => ({ kind: "status", status: 429, headers }));
        const answer = await call(bench, "openai", {
          stream: false,
          headers: { "floopy-routing-rule": "retrying" },
        });
        // Sleeping the wait would hit the 5 s deadline (a 504); hot-looping would call more often.
        expectClampedRetryAfter(answer.status, answer.headers);
        expect(bench.test.fake.requests.length).toBeGreaterThanOrEqual(1);
        expect(bench.test.fake.requests.length).toBeLessThanOrEqual(3);
      },
    );
  });
});

describe("the request deadline", () => {
  let bench: Bench;

  beforeAll(async () => {
    bench = await startBench({ FLOOPY_REQUEST_DEADLINE_MS: "800" });
  });
  afterAll(async () => {
    await bench?.close();
  });

  it("answers 504 in the Gemini shape to a JSON body that drips in", async () => {
    bench.gemini.pushFault({ kind: "drip-bytes", intervalMs: 30 });
    const answer = await call(bench, "gemini", { stream: false });
    expect(answer.status).toBe(504);
    expect(answer.text).toContain("GATEWAY_TIMEOUT");
    await expectUpstreamAborted(bench.gemini);
  });

  it("ends an Anthropic stream that stalls with an Anthropic error event, then the end of the stream", async () => {
    bench.anthropic.pushFault({ kind: "stall-mid-stream", afterChunks: 2 });
    const answer = await call(bench, "anthropic", { stream: true });
    expect(answer.status).toBe(200);
    const events = answer.text.trimEnd().split("\n\n");
    expect(events.at(-1)).toMatch(/^event: error\ndata: /);
    expect(events.at(-1)).toContain("GATEWAY_TIMEOUT");
    await expectUpstreamAborted(bench.anthropic);
  });

  it("gives up a retry whose Retry-After outlasts the request deadline, answering the 429 at once", async () => {
    bench.test.fake.setFault(() => ({ kind: "status", status: 429, headers: { "retry-after": "30" } }));
    try {
      const answer = await call(bench, "openai", {
        stream: false,
        headers: { "floopy-routing-rule": "retrying-untimed" },
      });
      expect(answer.status).toBe(429);
      expect(answer.headers.get("retry-after")).toBe("30");
      expect(bench.test.fake.requests).toHaveLength(1);
    } finally {
      bench.test.fake.reset();
    }
  });
});

/** Samples this process's memory (the gateway runs in it) until stopped; returns the peak growth. */
function watchMemory(): { stop(): number } {
  const used = () => {
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, used());
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, used()) - base;
    },
  };
}
