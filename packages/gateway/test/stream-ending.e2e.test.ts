/**
 * How a streamed answer ends: the caller's stream ends with the upstream's terminal event
 * (`data: [DONE]`), even when the upstream keeps its response open afterwards, and the upstream
 * connection is read to its end and reused rather than torn down. A raw node:http upstream,
 * because the fakes always end their responses at once.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

const frames = [
  { choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: "Hello" }, finish_reason: null }] },
  { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
].map((frame) =>
  JSON.stringify({
    id: "chatcmpl-end",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    ...frame,
  }),
);
const usageFrame = JSON.stringify({
  id: "chatcmpl-end",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

interface Upstream {
  server: Server;
  url: string;
  /** Connections the gateway opened. */
  sockets: Set<Socket>;
  /** Responses still open after their `[DONE]`. */
  lingering: ServerResponse[];
  /** When set, responses stay open after `[DONE]` until released. */
  linger: boolean;
}

async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = {
    server: createServer(),
    url: "",
    sockets: new Set(),
    lingering: [],
    linger: false,
  };
  upstream.server.on("connection", (socket) => upstream.sockets.add(socket));
  upstream.server.on("request", (request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const withUsage = body.includes('"include_usage":true');
      response.writeHead(200, { "content-type": "text/event-stream" });
      for (const frame of frames) response.write(`data: ${frame}\n\n`);
      if (withUsage) response.write(`data: ${usageFrame}\n\n`);
      response.write("data: [DONE]\n\n");
      if (upstream.linger) upstream.lingering.push(response);
      else response.end();
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, "127.0.0.1", resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}/v1`;
  return upstream;
}

let upstream: Upstream;
let test: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream();
  test = await startTestGateway({ env: { OPENAI_BASE_URL: upstream.url } });
});

afterAll(async () => {
  for (const response of upstream.lingering) response.end();
  await test?.close();
  upstream.server.closeAllConnections();
  await new Promise((resolve) => upstream.server.close(resolve));
});

async function streamText(): Promise<{ text: string; chunks: number }> {
  const stream = await test.client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
  });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? "";
  }
  return { text, chunks };
}

describe("the end of a stream", () => {
  it("ends the caller's stream at [DONE] while the upstream still holds its response open", async () => {
    upstream.linger = true;
    try {
      // Without ending at [DONE], this would wait for the upstream's idle timeout.
      const { text, chunks } = await streamText();
      expect(text).toBe("Hello");
      // The usage frame the gateway asked for is not the caller's: three chunks, as sent.
      expect(chunks).toBe(3);
      expect(upstream.lingering.length).toBe(1);
      expect(upstream.lingering[0]?.writableEnded).toBe(false);
    } finally {
      upstream.linger = false;
      for (const response of upstream.lingering.splice(0)) response.end();
    }
  });

  it("reads the upstream response to its end, so its connection is reused", async () => {
    await vi.waitFor(() => expect(test.gateway.services.inFlight.size).toBe(0));
    const before = upstream.sockets.size;
    for (let index = 0; index < 5; index++) expect((await streamText()).text).toBe("Hello");
    // Sequential streams ride one kept-alive connection (at most one new one for the first).
    expect(upstream.sockets.size - before).toBeLessThanOrEqual(1);
  });
});
