/**
 * The reliability defaults on the request path, each exercised over real sockets: header size and
 * header timeout, upstream idle timeout, the whole-request deadline, the slow-reader bounds, the
 * operational endpoints, and a store fault that must degrade recording without failing requests.
 */
import { connect, type Socket } from "node:net";
import Database from "better-sqlite3";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { startTestGateway, storedRecord, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

let test: TestGateway | undefined;

afterEach(async () => {
  await test?.close();
  test = undefined;
});

async function gatewayWith(env: Record<string, string>): Promise<TestGateway> {
  test = await startTestGateway({ env });
  return test;
}

/** Sends raw bytes and collects what comes back until the gateway closes the connection. */
function rawExchange(port: number, bytes: string): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (data: string) => {
      text += data;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ text, closedAfterMs: performance.now() - started }));
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function metric(gateway: TestGateway, line: string): Promise<number> {
  const text = await (await fetch(`${gateway.gateway.url}/metrics`)).text();
  const found = text.split("\n").find((candidate) => candidate.startsWith(line));
  return found === undefined ? 0 : Number(found.slice(found.lastIndexOf(" ") + 1));
}

function chatRequestBytes(body: unknown): string {
  const json = JSON.stringify(body);
  return [
    "POST /v1/chat/completions HTTP/1.1",
    "Host: 127.0.0.1",
    `Authorization: Bearer ${TEST_KEY}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(json)}`,
    "",
    json,
  ].join("\r\n");
}

describe("limits before any route runs", () => {
  it("answers 431 to request headers over the limit", async () => {
    const gateway = await gatewayWith({});
    const port = Number(new URL(gateway.gateway.url).port);
    const big = "x".repeat(20 * 1024);
    const { text } = await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${big}\r\n\r\n`);
    expect(text.startsWith("HTTP/1.1 431")).toBe(true);
    expect(text).toMatch(/\r\nfloopy-request-id: [0-9a-f-]{36}\r\n/);
  });

  it.each([
    [
      "/v1/chat/completions",
      (body: Record<string, unknown>) => (body.error as { code?: unknown }).code,
      "BAD_REQUEST",
    ],
    ["/v1/messages", (body: Record<string, unknown>) => body.type, "error"],
    [
      "/v1beta/models/gemini-2.5-flash:generateContent",
      (body: Record<string, unknown>) => (body.error as { code?: unknown }).code,
      400,
    ],
  ])("answers what Node refuses on %s in that route's protocol", async (path, pick, expected) => {
    const gateway = await gatewayWith({});
    const port = Number(new URL(gateway.gateway.url).port);
    const big = "x".repeat(20 * 1024);
    const { text } = await rawExchange(port, `POST ${path} HTTP/1.1\r\nHost: a\r\nX-Big: ${big}\r\n\r\n`);
    // Anthropic's and Google's protocols have no 431: the one status map answers 400 for them,
    // head and body alike.
    const status = Number(text.slice(9, 12));
    expect(status).toBe(path === "/v1/chat/completions" ? 431 : 400);
    const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
    expect(pick(body)).toBe(expected);
    expect(JSON.stringify(body)).toContain("max_header_bytes");
  });

  it("closes a connection whose headers do not arrive within the headers timeout", async () => {
    const gateway = await gatewayWith({ FLOOPY_HEADERS_TIMEOUT_MS: "300" });
    const port = Number(new URL(gateway.gateway.url).port);
    // A slow-loris client: a request line and one header, then nothing.
    const { text, closedAfterMs } = await rawExchange(
      port,
      "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n",
    );
    expect(text.startsWith("HTTP/1.1 408")).toBe(true);
    // Without a short connections-checking interval Node would notice only after 30 s.
    expect(closedAfterMs).toBeLessThan(3_000);
  });
});

describe("timeouts on the upstream side", () => {
  it("ends a stream whose upstream goes quiet for longer than the idle timeout with an in-band 504", async () => {
    const gateway = await gatewayWith({ FLOOPY_UPSTREAM_IDLE_TIMEOUT_MS: "250" });
    gateway.fake.pushFault({ kind: "slow-drip", intervalMs: 1_000 });
    const { data, response } = await gateway.client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "a b c d" }], stream: true })
      .withResponse();
    const error = await (async () => {
      for await (const _chunk of data) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("stopped sending data");
    await waitFor(() => gateway.fake.lastRequest()?.aborted === true, "the upstream request to be aborted");
    const record = await storedRecord(gateway, response.headers.get("floopy-request-id") ?? "");
    expect(record.status).toBe(504);
    expect(record.errorCode).toBe("GATEWAY_TIMEOUT");
  });

  it("ends a request that outlives the request deadline, even while the upstream keeps sending", async () => {
    const gateway = await gatewayWith({ FLOOPY_REQUEST_DEADLINE_MS: "600" });
    // Chunks every 100 ms keep the idle timeout happy; 40 of them would take 4 s.
    gateway.fake.pushFault({ kind: "slow-drip", intervalMs: 100 });
    const words = Array.from({ length: 40 }, (_, index) => `w${index}`).join(" ");
    const started = performance.now();
    const { data, response } = await gateway.client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: words }], stream: true })
      .withResponse();
    let received = "";
    const outcome = await (async () => {
      for await (const chunk of data) received += chunk.choices[0]?.delta.content ?? "";
      return "completed";
    })().catch((caught: unknown) => caught);
    expect(outcome).not.toBe("completed");
    expect(received.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(3_000);
    await waitFor(() => gateway.fake.lastRequest()?.aborted === true, "the upstream request to be aborted");
    const record = await storedRecord(gateway, response.headers.get("floopy-request-id") ?? "");
    expect(record.errorCode).toBe("GATEWAY_TIMEOUT");
  });
});

describe("slow readers", () => {
  /** Opens a stream from a caller that never reads its socket. */
  async function stalledReader(gateway: TestGateway): Promise<Socket> {
    // ~19 MB in 64 KiB words: far more than loopback socket buffers can absorb.
    const word = "y".repeat(64 * 1024);
    gateway.fake.setReply(() => ({ content: Array.from({ length: 300 }, () => word).join(" ") }));
    const port = Number(new URL(gateway.gateway.url).port);
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.pause();
    socket.write(
      chatRequestBytes({ model: "gpt-4o-mini", messages: [{ role: "user", content: "big" }], stream: true }),
    );
    return socket;
  }

  /** The request ends as 499 (caller gone) and nothing is left in flight. */
  async function expectCutOffRecorded(gateway: TestGateway): Promise<void> {
    await waitFor(
      async () =>
        (await metric(
          gateway,
          'floopy_requests_total{route="chat_completions",provider="openai",model="gpt-4o-mini",status="499"}',
        )) === 1,
      "the request to be counted as 499",
    );
  }

  it("cuts off a caller that lets more than the stream buffer pile up, and aborts the upstream", async () => {
    // Under Node's 16 KiB high-water mark: the first write the socket cannot take trips it.
    const gateway = await gatewayWith({ FLOOPY_STREAM_BUFFER_BYTES: "4096" });
    const socket = await stalledReader(gateway);
    try {
      await waitFor(
        async () => (await metric(gateway, 'floopy_client_aborts_total{reason="slow_reader_buffer"}')) === 1,
        "the slow reader to be cut off",
      );
      await expectCutOffRecorded(gateway);
    } finally {
      socket.destroy();
    }
  });

  it("cuts off a caller that makes no progress within the client write timeout", async () => {
    const gateway = await gatewayWith({
      FLOOPY_STREAM_BUFFER_BYTES: String(256 * 1024 * 1024),
      FLOOPY_CLIENT_WRITE_TIMEOUT_MS: "300",
    });
    const socket = await stalledReader(gateway);
    try {
      await waitFor(
        async () => (await metric(gateway, 'floopy_client_aborts_total{reason="slow_reader_timeout"}')) === 1,
        "the slow reader to be cut off",
      );
      await expectCutOffRecorded(gateway);
    } finally {
      socket.destroy();
    }
  });
});

describe("operational endpoints", () => {
  it("reports readiness with the stores it checked, and Prometheus metrics", async () => {
    const gateway = await gatewayWith({});
    const ready = await fetch(`${gateway.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
    const health = await fetch(`${gateway.gateway.url}/healthz`);
    expect(health.status).toBe(200);

    await gateway.client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    const response = await fetch(`${gateway.gateway.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(/^floopy_requests_total\{.*status="200".*\} 1$/m);
    expect(text).toContain("floopy_request_duration_seconds_bucket");
    expect(text).toContain("floopy_records_dropped_total");
  });
});

describe("a store fault", () => {
  it("keeps answering when request records cannot be written, and counts the drops", async () => {
    const gateway = await gatewayWith({});
    // Break the events store under the running gateway, as a corrupted or full disk would.
    const db = new Database(`${gateway.dataDir}/floopy.db`);
    db.exec("DROP TABLE request_logs");
    db.close();
    for (let index = 0; index < 3; index++) {
      const completion = await gateway.client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: `still here ${index}` }],
      });
      expect(completion.choices[0]?.message.content).toBe(`Echo: still here ${index}`);
    }
    await waitFor(async () => {
      await gateway.gateway.services.records.flush();
      return (await metric(gateway, "floopy_records_dropped_total")) >= 3;
    }, "the dropped records to be counted");
    expect(await metric(gateway, 'floopy_store_errors_total{store="events"')).toBeGreaterThan(0);
    const ready = await fetch(`${gateway.gateway.url}/healthz`);
    expect(ready.status).toBe(200);
  });
});
