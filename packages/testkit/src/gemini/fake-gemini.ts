/**
 * A fake Gemini API on a real port, faithful to Google's wire format: GenerateContentResponse
 * bodies, `?alt=sse` streams of whole response chunks with CRLF framing, function calls whole in
 * one chunk, `usageMetadata`, `{"error":{"code","message","status"}}` errors and 429
 * RESOURCE_EXHAUSTED with retry info. Routes answer under `/v1beta/models/…` and `/v1/models/…`.
 * Recording and every fault of `faults.ts` come from `fake-server.ts`.
 *
 * @example
 * const fake = await startFakeGemini({ apiKey: "AIza-test" });
 * const ai = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: fake.url } });
 */
import type { Exchange } from "../exchange.js";
import {
  type FakeServer,
  hasMalformedBody,
  isRecord,
  type RecordedRequest,
  startFakeServer,
  type WireError,
  type WireProtocol,
} from "../fake-server.js";
import { createIdSource, type IdSource } from "../ids.js";
import type { SseFrame } from "../sse.js";
import { estimateTokens, splitWords, truncateToTokens } from "../tokens.js";
import { deterministicVector } from "../vectors.js";
import { DEFAULT_GEMINI_MODELS, listGeminiModels, retrieveGeminiModel } from "./models.js";

export type GeminiFinishReason = "STOP" | "MAX_TOKENS" | "SAFETY" | "RECITATION" | "OTHER";

export interface GeminiReply {
  /** Absent: "Echo: " and the last user turn's text (none when there are function calls). */
  text?: string;
  thought?: { text: string; signature?: string };
  functionCalls?: { name: string; args: unknown; id?: string }[];
  finishReason?: GeminiFinishReason;
  usage?: { promptTokens: number; candidatesTokens: number; thoughtsTokens?: number; cachedTokens?: number };
}

export type GeminiReplier = (request: RecordedRequest) => GeminiReply | Promise<GeminiReply>;

export interface FakeGeminiOptions {
  port?: number;
  /** When set, requests must carry it as `x-goog-api-key` or `?key=`, as Google checks. */
  apiKey?: string;
  /** What `GET /v1beta/models` lists; generation accepts any model either way. */
  models?: readonly string[];
}

export interface FakeGemini extends FakeServer {
  /** The origin, what @google/genai takes as `httpOptions.baseUrl`. */
  readonly url: string;
  setReply(replier: GeminiReplier | undefined): void;
  reset(): void;
}

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function statusName(status: number): string {
  return STATUS[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION");
}

function errorBody(error: WireError) {
  return { error: { code: error.status, message: error.message, status: error.type } };
}

function wireError(status: number, message: string): WireError {
  return { status, message, type: statusName(status), param: null, code: null };
}

const ACTION = /^\/(v1beta|v1)\/models\/([^:]+):([A-Za-z]+)$/;
const MODEL_LIST = /^\/(v1beta|v1)\/models$/;
const MODEL_GET = /^\/(v1beta|v1)\/models\/([^:]+)$/;

export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const ids = createIdSource();
  const state: { replier: GeminiReplier | undefined } = { replier: undefined };
  const models = options.models ?? DEFAULT_GEMINI_MODELS;
  const protocol: WireProtocol = {
    commonHeaders: () => ({ "x-goog-request-id": ids.next("") }),
    errorBody,
    streamError: (error) => ({ data: JSON.stringify(errorBody(error)), crlf: true }),
    statusError: (fault) => ({
      status: fault.status,
      message:
        fault.message ??
        (fault.status === 503 ? "The model is overloaded. Please try again later." : `Error ${fault.status}`),
      type: fault.type ?? statusName(fault.status),
      param: null,
      code: fault.code ?? null,
    }),
    rateLimit: (retryAfterSeconds) => ({
      error: wireError(429, "Resource has been exhausted (e.g. check quota)."),
      headers: { "retry-after": String(retryAfterSeconds) },
    }),
    echoCredentials: (request, status) =>
      wireError(
        status,
        `API key not valid: ${String(request.headers["x-goog-api-key"] ?? request.query.get("key") ?? "")}`,
      ),
    handle(exchange) {
      const request = exchange.request;
      const presented = request.headers["x-goog-api-key"] ?? request.query.get("key") ?? undefined;
      if (options.apiKey !== undefined && presented !== options.apiKey) {
        return exchange.error(wireError(400, "API key not valid. Please pass a valid API key."));
      }
      const notFound = (message: string) => exchange.error(wireError(404, message));
      if (request.method === "GET" && MODEL_LIST.test(request.path)) {
        return listGeminiModels(exchange, models, notFound);
      }
      const modelPath = MODEL_GET.exec(request.path);
      if (request.method === "GET" && modelPath) {
        return retrieveGeminiModel(exchange, models, decodeURIComponent(modelPath[2] ?? ""), notFound);
      }
      const match = ACTION.exec(request.path);
      if (request.method !== "POST" || !match)
        return exchange.error(wireError(404, `Not found: ${request.path}`));
      if (hasMalformedBody(request)) return exchange.error(wireError(400, "Invalid JSON payload received."));
      const model = decodeURIComponent(match[2] ?? "");
      switch (match[3]) {
        case "generateContent":
          return generate(exchange, model, false, state.replier, ids);
        case "streamGenerateContent":
          return generate(exchange, model, true, state.replier, ids);
        case "countTokens":
          return countTokens(exchange);
        case "embedContent":
          return embed(exchange, false);
        case "batchEmbedContents":
          return embed(exchange, true);
        default:
          return exchange.error(wireError(404, `Unknown action: ${match[3]}`));
      }
    },
  };
  const server = await startFakeServer({
    protocol,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return {
    ...server,
    url: server.origin,
    setReply(replier) {
      state.replier = replier;
    },
    reset() {
      server.reset();
      state.replier = undefined;
    },
  };
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  return parts
    .map((part) =>
      isRecord(part) && typeof part.text === "string" && part.thought !== true ? part.text : "",
    )
    .join("");
}

interface GenerateRequest {
  contents: unknown[];
  maxOutputTokens: number | undefined;
  promptText: string;
}

function parse(body: unknown): GenerateRequest | WireError {
  if (!isRecord(body)) return wireError(400, "Invalid JSON payload received.");
  if (!Array.isArray(body.contents))
    return wireError(400, "* GenerateContentRequest.contents: contents is not specified");
  for (const [index, content] of body.contents.entries()) {
    if (!isRecord(content) || !Array.isArray(content.parts)) {
      return wireError(
        400,
        `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`,
      );
    }
    if (
      content.role !== undefined &&
      content.role !== "user" &&
      content.role !== "model" &&
      content.role !== "function"
    ) {
      return wireError(400, `Please use a valid role: user, model.`);
    }
  }
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const system = isRecord(body.systemInstruction) ? partsText(body.systemInstruction.parts) : "";
  return {
    contents: body.contents,
    maxOutputTokens: typeof config.maxOutputTokens === "number" ? config.maxOutputTokens : undefined,
    promptText:
      system + body.contents.map((content) => (isRecord(content) ? partsText(content.parts) : "")).join(""),
  };
}

function echo(request: GenerateRequest): string {
  for (let index = request.contents.length - 1; index >= 0; index--) {
    const content = request.contents[index];
    if (isRecord(content) && content.role !== "model" && Array.isArray(content.parts)) {
      const text = partsText(content.parts);
      if (text !== "" || !content.parts.some((part) => isRecord(part) && part.functionResponse !== undefined))
        return `Echo: ${text}`;
    }
  }
  return "Echo: ";
}

async function generate(
  exchange: Exchange,
  model: string,
  stream: boolean,
  replier: GeminiReplier | undefined,
  ids: IdSource,
): Promise<void> {
  const parsed = parse(exchange.request.body);
  if ("status" in parsed) return exchange.error(parsed);
  const reply: GeminiReply = replier === undefined ? {} : await replier(exchange.request);
  const calls = reply.functionCalls ?? [];
  let text = reply.text ?? (calls.length > 0 ? "" : echo(parsed));
  let finishReason = reply.finishReason ?? "STOP";
  if (parsed.maxOutputTokens !== undefined) {
    const cut = truncateToTokens(text, parsed.maxOutputTokens);
    if (cut.length < text.length) {
      text = cut;
      finishReason = reply.finishReason ?? "MAX_TOKENS";
    }
  }
  const promptTokens = reply.usage?.promptTokens ?? estimateTokens(parsed.promptText);
  const candidatesTokens =
    reply.usage?.candidatesTokens ??
    estimateTokens(text + calls.map((call) => JSON.stringify(call.args)).join(""));
  const thoughtsTokens =
    reply.usage?.thoughtsTokens ?? (reply.thought ? estimateTokens(reply.thought.text) : 0);
  const usageMetadata: Record<string, unknown> = {
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidatesTokens,
    totalTokenCount: promptTokens + candidatesTokens + thoughtsTokens,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: promptTokens }],
  };
  if (thoughtsTokens > 0) usageMetadata.thoughtsTokenCount = thoughtsTokens;
  if (reply.usage?.cachedTokens) usageMetadata.cachedContentTokenCount = reply.usage.cachedTokens;
  const responseId = ids.next("");
  const thoughtPart = reply.thought
    ? [
        {
          text: reply.thought.text,
          thought: true,
          ...(reply.thought.signature ? { thoughtSignature: reply.thought.signature } : {}),
        },
      ]
    : [];
  const callParts = calls.map((call) => ({
    functionCall: { name: call.name, args: call.args, ...(call.id ? { id: call.id } : {}) },
  }));
  const envelope = (parts: unknown[], last: boolean) => ({
    candidates: [
      {
        content: { parts, role: "model" },
        ...(last ? { finishReason } : {}),
        index: 0,
      },
    ],
    usageMetadata: last ? usageMetadata : { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
    modelVersion: model,
    responseId,
  });
  if (!stream) {
    return exchange.json(
      200,
      envelope([...thoughtPart, ...(text === "" ? [] : [{ text }]), ...callParts], true),
    );
  }
  if (exchange.request.query.get("alt") !== "sse") {
    return exchange.error(wireError(400, "This fake serves streams only with ?alt=sse."));
  }
  const pieces: unknown[][] = [];
  if (thoughtPart.length > 0) pieces.push(thoughtPart);
  for (const word of splitWords(text)) pieces.push([{ text: word }]);
  if (callParts.length > 0) pieces.push(callParts);
  if (pieces.length === 0) pieces.push([{ text: "" }]);
  const frames: SseFrame[] = pieces.map((parts, index) => ({
    data: JSON.stringify(envelope(parts, index === pieces.length - 1)),
    crlf: true,
  }));
  return exchange.stream(frames);
}

function countTokens(exchange: Exchange): Promise<void> {
  const body = exchange.request.body;
  const inner = isRecord(body) && isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
  const parsed = parse(inner);
  if ("status" in parsed) return exchange.error(parsed);
  return exchange.json(200, {
    totalTokens: estimateTokens(parsed.promptText),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: estimateTokens(parsed.promptText) }],
  });
}

function embed(exchange: Exchange, batch: boolean): Promise<void> {
  const body = exchange.request.body;
  if (!isRecord(body)) return exchange.error(wireError(400, "Invalid JSON payload received."));
  const requests = batch ? body.requests : [body];
  if (!Array.isArray(requests) || requests.length === 0) {
    return exchange.error(wireError(400, "* BatchEmbedContentsRequest.requests: requests is not specified"));
  }
  const vectors: number[][] = [];
  for (const request of requests) {
    if (!isRecord(request) || !isRecord(request.content))
      return exchange.error(wireError(400, "content is not specified"));
    const dimensions = typeof request.outputDimensionality === "number" ? request.outputDimensionality : 768;
    vectors.push(Array.from(deterministicVector(partsText(request.content.parts), dimensions)));
  }
  return exchange.json(
    200,
    batch ? { embeddings: vectors.map((values) => ({ values })) } : { embedding: { values: vectors[0] } },
  );
}
