/**
 * The demo provider's server: a small OpenAI-compatible upstream on a loopback port, started only
 * by `floopy serve --demo` (or FLOOPY_DEMO=1). It sits behind the gateway like any provider, so a
 * newcomer without provider keys sees the real request path: authentication, routing, fallback,
 * breakers, translation to the Anthropic, Gemini and Responses routes, records and metrics.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  flakyFails,
  type MockReply,
  mockBehaviour,
  mockEmbedding,
  mockModels,
  mockReply,
  mockTokens,
} from "./mock-answers.js";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface MockUpstream {
  /** The base URL an OpenAI client would take (with `/v1`). */
  baseUrl: string;
  close(): Promise<void>;
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const calls = new Map<string, number>();
  let sequence = 0;
  const server = createServer((request, response) => {
    handle(request, response, () => sequence++, calls).catch(() => {
      if (!response.headersSent) sendError(response, 500, "server_error", "The demo provider failed.");
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 70_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  nextCall: () => number,
  calls: Map<string, number>,
): Promise<void> {
  const path = (request.url ?? "/").split("?")[0];
  if (request.method === "GET" && path === "/v1/models") {
    sendJson(response, 200, {
      object: "list",
      data: mockModels.map((id) => ({
        id,
        object: "model",
        created: 1_767_225_600,
        owned_by: "floopy-demo",
      })),
    });
    return;
  }
  if (request.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/v1/embeddings")) {
    sendError(response, 404, "invalid_request_error", `Unknown request URL: ${request.method} ${path}.`);
    return;
  }
  const body = await readJson(request);
  if (body === null) {
    sendError(response, 400, "invalid_request_error", "The body is not a JSON object.");
    return;
  }
  const model = typeof body.model === "string" ? body.model : "";
  const behaviour = mockBehaviour(model);
  if (behaviour === null) {
    sendError(
      response,
      404,
      "invalid_request_error",
      `The demo provider has no model '${model}'. It serves: ${mockModels.join(", ")} (slow-N, fail-N and flaky-N take any N).`,
      "model_not_found",
    );
    return;
  }
  const callOfModel = calls.get(model) ?? 0;
  calls.set(model, callOfModel + 1);
  if (
    behaviour.kind === "fail" ||
    (behaviour.kind === "flaky" && flakyFails(behaviour.percent, callOfModel))
  ) {
    const status = behaviour.kind === "fail" ? behaviour.status : 503;
    if (status === 429) response.setHeader("retry-after", "1");
    sendError(
      response,
      status,
      status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error",
      `The demo model '${model}' failed on purpose with HTTP ${status}.`,
    );
    return;
  }
  if (behaviour.kind === "answer" && behaviour.delayMs > 0) {
    const gone = await delay(behaviour.delayMs, request);
    if (gone) return;
  }
  if (path === "/v1/embeddings") {
    sendEmbeddings(response, model, body.input, body.encoding_format === "base64");
    return;
  }
  const call = nextCall();
  const reply = mockReply(body, call);
  const id = `chatcmpl-demo-${call}`;
  const created = Math.floor(Date.now() / 1000);
  const promptTokens = mockTokens(JSON.stringify(body.messages ?? ""));
  const completionTokens = mockTokens(reply.kind === "text" ? reply.text : reply.arguments);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const finishReason = reply.kind === "text" ? "stop" : "tool_calls";
  if (body.stream !== true) {
    sendJson(response, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: messageOf(reply), logprobs: null, finish_reason: finishReason }],
      usage,
    });
    return;
  }
  const includeUsage =
    typeof body.stream_options === "object" &&
    body.stream_options !== null &&
    (body.stream_options as { include_usage?: unknown }).include_usage === true;
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  let out = chunk({ role: "assistant", content: "" }, null);
  if (reply.kind === "text") {
    for (const piece of reply.text.match(/\S+\s*/g) ?? [reply.text]) out += chunk({ content: piece }, null);
  } else {
    out += chunk(
      {
        tool_calls: [
          { index: 0, id: reply.id, type: "function", function: { name: reply.name, arguments: "" } },
        ],
      },
      null,
    );
    out += chunk({ tool_calls: [{ index: 0, function: { arguments: reply.arguments } }] }, null);
  }
  out += chunk({}, finishReason);
  if (includeUsage) {
    out += `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`;
  }
  response.end(`${out}data: [DONE]\n\n`);
}

function messageOf(reply: MockReply): Record<string, unknown> {
  if (reply.kind === "text") return { role: "assistant", content: reply.text, refusal: null };
  return {
    role: "assistant",
    content: null,
    refusal: null,
    tool_calls: [
      { id: reply.id, type: "function", function: { name: reply.name, arguments: reply.arguments } },
    ],
  };
}

/** Embeddings as OpenAI sends them: float arrays, or little-endian float32 in base64 when asked. */
function sendEmbeddings(response: ServerResponse, model: string, input: unknown, base64: boolean): void {
  const texts = Array.isArray(input) ? input.map((item) => String(item)) : [String(input ?? "")];
  const tokens = texts.reduce((sum, text) => sum + mockTokens(text), 0);
  const encode = (vector: number[]) =>
    base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
  sendJson(response, 200, {
    object: "list",
    data: texts.map((text, index) => ({
      object: "embedding",
      index,
      embedding: encode(mockEmbedding(text)),
    })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.length) });
  response.end(bytes);
}

function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  code: string | null = null,
): void {
  sendJson(response, status, { error: { message, type, param: null, code } });
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Waits, unless the caller goes away first (then resolves true). */
function delay(ms: number, request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      request.socket.off("close", onClose);
      resolve(false);
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    request.socket.once("close", onClose);
  });
}
