/**
 * The benchmark's upstreams, in their own process so they can be pinned to a core. Prints their
 * base URLs as one JSON line on stdout, then serves until killed.
 *
 * The OpenAI upstream is deliberately cheap: answers are built once at start and written as
 * bytes, and a request is told apart (stream, include_usage) by searching its bytes, never by
 * parsing it. Its cost per request is what bounds the direct baseline, and the direct baseline
 * must stay far above the gateway for the ratios to mean anything. A stream is 20
 * `chat.completion.chunk` frames (role, 18 content pieces, finish) written one by one, then a
 * usage frame when asked for, then `[DONE]`, as OpenAI sends them. The Anthropic upstream (the
 * testkit fake, which validates and generates) serves only the failover benchmark's fallback.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeAnthropic } from "@floopy/testkit";

const id = "chatcmpl-bench0123456789";
const created = 1_760_000_000;
const model = "gpt-4o-mini";
const text = "Once upon a time a lighthouse keeper watched a storm roll in across the grey sea.";
const usage = { prompt_tokens: 31, completion_tokens: 18, total_tokens: 49 };
const pieces = text.split(/(?<= )/).slice(0, 18);
while (pieces.length < 18) pieces.push(" and");

const completion = Buffer.from(
  JSON.stringify({
    id,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage,
    system_fingerprint: "fp_bench",
  }),
);

function streamFrames(includeUsage: boolean): Buffer[] {
  const chunk = (delta: object, finishReason: string | null) =>
    JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: "fp_bench",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const frames = [
    chunk({ role: "assistant", content: "", refusal: null }, null),
    ...pieces.map((piece) => chunk({ content: piece }, null)),
    chunk({}, "stop"),
  ];
  if (includeUsage) {
    frames.push(JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage }));
  }
  frames.push("[DONE]");
  return frames.map((frame) => Buffer.from(`data: ${frame}\n\n`));
}

const plainStream = streamFrames(false);
const usageStream = streamFrames(true);
const serverError = Buffer.from(
  JSON.stringify({
    error: { message: "The server had an error.", type: "server_error", param: null, code: null },
  }),
);
const jsonHeaders = (length: number) => ({ "content-type": "application/json", "content-length": length });
const streamHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };

// The failover benchmark makes this upstream fail a share of its requests (every n-th, so the
// share is exact and the same in every run).
const failurePercent = Number(process.env.BENCH_PRIMARY_FAILURE_PERCENT ?? 0);
let seen = 0;

function answer(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
    response.writeHead(404, jsonHeaders(0)).end();
    return;
  }
  seen++;
  if (failurePercent > 0 && (seen * failurePercent) % 100 < failurePercent) {
    response.writeHead(500, jsonHeaders(serverError.length)).end(serverError);
    return;
  }
  if (body.indexOf('"stream":true') === -1) {
    response.writeHead(200, jsonHeaders(completion.length)).end(completion);
    return;
  }
  const frames = body.indexOf('"include_usage":true') === -1 ? plainStream : usageStream;
  response.writeHead(200, streamHeaders);
  for (const frame of frames) response.write(frame);
  response.end();
}

const openai = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () =>
    answer(request, response, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
  );
});
openai.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => openai.listen(0, "127.0.0.1", resolve));
const anthropic = await startFakeAnthropic({ apiKey: "sk-ant-bench" });
anthropic.recordRequests(false);
const { port } = openai.address() as AddressInfo;
process.stdout.write(
  `${JSON.stringify({ openai: `http://127.0.0.1:${port}/v1`, anthropic: anthropic.url })}\n`,
);
const stop = () => {
  openai.closeAllConnections();
  void Promise.all([new Promise((resolve) => openai.close(resolve)), anthropic.close()]).then(() =>
    process.exit(0),
  );
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
