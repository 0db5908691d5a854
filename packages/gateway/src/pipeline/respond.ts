/**
 * Stage: respond. Sends the chosen upstream's answer to the caller. On the pass-through path a JSON
 * body goes out as-is and a stream is forwarded chunk by chunk as it arrives; on the translated
 * path each upstream frame is decoded into canonical events and re-encoded in the caller's
 * protocol as it arrives (never buffered whole). Either way a tap accumulates usage. A failure
 * after the stream started ends it with an error event in the caller's protocol. Writes honour
 * backpressure: a caller that stops reading for `clientWriteTimeoutMs`, or lets more than
 * `streamBufferBytes` pile up, is cut off and the upstream request aborted.
 */
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { StreamEvent, Usage } from "../canonical/types.js";
import { GatewayError } from "../errors/gateway-error.js";
import { estimateTokens, promptCharacters } from "../limits/token-estimate.js";
import type { OutgoingSseEvent, StreamEncoder } from "../protocol/codec.js";
import { renderChatError } from "../protocol/openai-chat/errors.js";
import { createChatStreamTap } from "../protocol/openai-chat/stream-tap.js";
import type { ChatCompletion } from "../protocol/openai-chat/types.js";
import { decodeChatUsage } from "../protocol/openai-chat/usage.js";
import {
  embeddingsIngressCodecs,
  embeddingsUpstreamCodecs,
  ingressCodecs,
  isEmbeddingsProtocol,
  isGenerationProtocol,
  upstreamCodecs,
} from "../protocol/protocols.js";
import { isObject } from "../protocol/shared/validation.js";
import { formatSseFrame } from "../protocol/sse/sse-format.js";
import { createSseParser } from "../protocol/sse/sse-parser.js";
import { emptyStreamSummary, observeStreamEvent } from "../protocol/stream-summary.js";
import {
  createStreamRedactor,
  redactKnownSecrets,
  redactSecretBytes,
  redactSecrets,
  type StreamRedactor,
} from "../records/redact.js";
import { classifyUpstreamError } from "../upstream/error-class.js";
import { CLIENT_CLOSED_REQUEST, clientGoneError } from "./abort-reasons.js";
import { keepCapturedChunk } from "./final-answer.js";
import type { RequestContext, UpstreamResult } from "./request-context.js";
import { floopyHeaders } from "./response-headers.js";

export async function respond(context: RequestContext): Promise<undefined> {
  const upstream = context.upstream;
  if (!upstream) throw new GatewayError("INTERNAL", "No upstream answer to send.");
  if (upstream.body) {
    if (upstream.passThrough) respondJson(context, upstream, upstream.body.bytes, upstream.body.json);
    else respondTranslatedJson(context, upstream, upstream.body.json);
  } else {
    const chatPassThrough = upstream.passThrough && upstream.protocol === "openai-chat";
    const tap = chatPassThrough ? chatPassThroughTap(context, upstream) : eventTap(context, upstream);
    await forwardStream(context, upstream, tap);
  }
  return undefined;
}

function respondJson(context: RequestContext, upstream: UpstreamResult, bytes: Buffer, json: unknown): void {
  if (context.operation === "count_tokens") {
    writeJson(context, bytes);
    return;
  }
  const usage = usageOfJson(context, upstream, json);
  context.usage = usage ?? estimatedUsage(context, completionCharacters(json));
  context.usageSource = usage ? "upstream" : "estimate";
  writeJson(context, bytes);
}

function writeJson(context: RequestContext, answer: Buffer): void {
  // An upstream may quote the key it was sent, even under a 200 (an in-band error).
  const bytes = redactSecretBytes(answer, context.services.secrets);
  context.status = 200;
  context.response.writeHead(200, {
    ...floopyHeaders(context),
    "content-type": "application/json",
    "content-length": String(bytes.length),
  });
  context.firstByteAt = performance.now();
  context.response.end(bytes);
}

function usageOfJson(context: RequestContext, upstream: UpstreamResult, json: unknown): Usage | null {
  const protocol = upstream.protocol;
  if (isEmbeddingsProtocol(context.protocol)) {
    return embeddingsUpstreamCodecs[protocol]?.decodeResponse(json).usage ?? null;
  }
  if (protocol === "openai-chat") {
    if (!isObject(json) || !isObject(json.usage)) return null;
    return decodeChatUsage(
      (json as unknown as ChatCompletion).usage ?? {
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
      },
    );
  }
  try {
    return upstreamCodecs[protocol].decodeResponse(json).usage;
  } catch {
    return null;
  }
}

/** Decodes the upstream's answer into the canonical model and encodes it in the caller's protocol. */
function respondTranslatedJson(context: RequestContext, upstream: UpstreamResult, json: unknown): void {
  const protocol = upstream.protocol;
  const model = upstream.target.model;
  let usage: Usage | null;
  let body: unknown;
  let produced = 0;
  try {
    if (isEmbeddingsProtocol(context.protocol)) {
      const codec = embeddingsUpstreamCodecs[protocol];
      if (!codec) throw new GatewayError("INTERNAL", `No embeddings codec for '${protocol}'.`);
      const decoded = codec.decodeResponse(json);
      usage = decoded.usage;
      body = embeddingsIngressCodecs[context.protocol].encodeResponse(decoded.vectors, {
        model,
        usage,
        ...(context.body ? { body: context.body } : {}),
      });
    } else if (isGenerationProtocol(context.protocol)) {
      const decoded = upstreamCodecs[protocol].decodeResponse(json);
      if (decoded.created === 0) decoded.created = Math.floor(context.receivedAt.getTime() / 1000);
      usage = decoded.usage;
      for (const choice of decoded.choices) {
        for (const part of choice.content) {
          if (part.type === "text" || part.type === "thinking") produced += part.text.length;
          else if (part.type === "tool-call") produced += part.arguments.length;
        }
      }
      // Protocols whose answers always carry usage get the estimate rather than zeros.
      decoded.usage ??= estimatedUsage(context, produced);
      body = ingressCodecs[context.protocol].encodeResponse(decoded, {
        model: decoded.model || model,
        ...(context.body ? { body: context.body } : {}),
      });
    } else {
      throw new GatewayError("INTERNAL", `The route's protocol '${context.protocol}' cannot be translated.`);
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(
      "PROVIDER_ERROR",
      `The provider '${upstream.target.provider.id}' answered with a body Floopy could not read: ${(error as Error).message}`,
      { status: 502 },
    );
  }
  context.usage = usage ?? estimatedUsage(context, produced);
  context.usageSource = usage ? "upstream" : "estimate";
  writeJson(context, Buffer.from(JSON.stringify(body)));
}

function startEventStream(context: RequestContext): void {
  context.status = 200;
  context.response.writeHead(200, {
    ...floopyHeaders(context),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
}

/**
 * What the one forwarding loop needs from a kind of stream: what each upstream chunk becomes for
 * the caller, how the stream ended, and how the caller's protocol spells an error event.
 */
interface StreamTap {
  /**
   * One upstream chunk in, what to write now: the chunk itself when the bytes pass through, the
   * re-encoded frames otherwise. Throws a GatewayError when the chunk breaks a framing cap.
   */
  push(chunk: Buffer): string | Buffer;
  /** True once reading more cannot help (a translated stream met an in-band error). */
  stopped(): boolean;
  /**
   * True once the upstream sent its terminal event (OpenAI's `[DONE]`): what is left to write
   * goes out with the end of the response, in one write rather than two.
   */
  complete(): boolean;
  /** The upstream's bytes are over: what is left to write, and how the stream ended. */
  end(): StreamEnding;
  errorFrame(failure: GatewayError): string;
  summary(): { usage: Usage | null; producedChars: number };
}

interface StreamEnding {
  rest: string;
  failure: GatewayError | null;
  /** False when the caller already has the upstream's own error event (forwarded with the bytes). */
  tellCaller: boolean;
}

/**
 * The one forwarding loop, for every kind of stream: chunks go out as they arrive, through the
 * tap, with backpressure; a failure after the start ends the stream with an error event.
 */
async function forwardStream(
  context: RequestContext,
  upstream: UpstreamResult,
  tap: StreamTap,
): Promise<void> {
  const stream = upstream.stream;
  if (!stream) throw new GatewayError("INTERNAL", "No upstream stream to send.");
  startEventStream(context);
  const writer = new ClientWriter(context);
  let failure: GatewayError | null = null;
  let last: string | Buffer = "";
  const capture = context.answerCapture;
  try {
    let chunk: Buffer | null = stream.firstChunk;
    while (chunk !== null) {
      if (capture !== null) keepCapturedChunk(capture, chunk);
      const out = tap.push(chunk);
      if (tap.complete()) {
        last = out;
        break;
      }
      if (out.length > 0) await writer.write(out);
      if (tap.stopped()) break;
      const next = await stream.iterator.next();
      chunk = next.done ? null : next.value;
    }
    const ending = tap.end();
    failure = ending.failure;
    const tail = failure && ending.tellCaller ? ending.rest + tap.errorFrame(failure) : ending.rest;
    last = tail === "" ? last : last.length === 0 ? tail : Buffer.concat([toBytes(last), toBytes(tail)]);
    if (failure) upstream.response.body.destroy();
  } catch (error) {
    if (last.length > 0) await writer.write(last).catch(() => undefined);
    last = "";
    failure = await streamInterrupted(context, upstream, writer, error, tap.errorFrame);
  } finally {
    writer.end(last);
  }
  if (!failure && tap.complete()) await drainAfterEnd(stream.iterator, upstream);
  settleStream(context, tap.summary(), failure);
}

const toBytes = (data: string | Buffer) => (typeof data === "string" ? Buffer.from(data) : data);

/** Bytes an upstream may still send after its terminal event before its connection is given up. */
const MAX_BYTES_AFTER_END = 64 * 1024;

/**
 * After the terminal event the upstream's response has only its own end to come: read it, so the
 * kept-alive connection goes back to the pool instead of being torn down. One that goes on
 * talking is cut.
 */
async function drainAfterEnd(iterator: AsyncIterator<Buffer>, upstream: UpstreamResult): Promise<void> {
  let size = 0;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      size += next.value.length;
      if (size > MAX_BYTES_AFTER_END) break;
    }
  } catch {
    // The answer is complete; a broken ending changes nothing for the caller.
  }
  upstream.response.body.destroy();
}

/** The same-protocol OpenAI stream: bytes forwarded as they came, a light tap for usage. */
function chatPassThroughTap(context: RequestContext, upstream: UpstreamResult): StreamTap {
  const passRaw = !upstream.injectedStreamUsage;
  const tap = createChatStreamTap({ hideUsage: upstream.injectedStreamUsage });
  let pending = "";
  const parser = createSseParser(
    (frame) => {
      const data = tap.frame(frame.data);
      if (!passRaw && data !== null) pending += `data: ${data}\n\n`;
    },
    { maxEventBytes: context.services.settings.maxUpstreamEventBytes },
  );
  const boundary = eventBoundary();
  const takePending = () => {
    const out = pending;
    pending = "";
    return out;
  };
  return {
    push(chunk) {
      parser.feed(chunk);
      if (!passRaw) return takePending();
      boundary.saw(chunk);
      return chunk;
    },
    stopped: () => false,
    complete: () => tap.summary().sawDone,
    end() {
      parser.end();
      const rest = takePending();
      const summary = tap.summary();
      if (summary.error) return { rest, failure: inBandError(context, summary.error), tellCaller: false };
      if (!summary.sawDone && summary.finishReason === null) {
        return { rest, failure: incompleteStreamError(), tellCaller: true };
      }
      return { rest, failure: null, tellCaller: false };
    },
    errorFrame: (failure) =>
      `${passRaw ? boundary.separator() : ""}data: ${JSON.stringify(renderChatError(failure))}\n\n`,
    summary: () => tap.summary(),
  };
}

/**
 * Any other stream: upstream frames decoded into canonical events as they arrive. Pass-through
 * (Anthropic to Anthropic, Gemini to Gemini) forwards the bytes and only watches the events;
 * translation re-encodes each event in the caller's protocol and writes it at once.
 */
function eventTap(context: RequestContext, upstream: UpstreamResult): StreamTap {
  const ingress = context.protocol;
  if (!isGenerationProtocol(ingress)) throw new GatewayError("INTERNAL", `No stream codec for '${ingress}'.`);
  const decoder = upstreamCodecs[upstream.protocol].createStreamDecoder();
  const encoder: StreamEncoder = ingressCodecs[ingress].createStreamEncoder({
    id: context.id,
    model: upstream.target.model,
    created: Math.floor(context.receivedAt.getTime() / 1000),
    includeUsage:
      ingress !== "openai-chat" ||
      (isObject(context.body?.stream_options) && context.body.stream_options.include_usage === true),
    ...(context.body ? { body: context.body } : {}),
  });
  const translate = !upstream.passThrough;
  const summary = emptyStreamSummary();
  let pending = "";
  const take = (events: StreamEvent[]) => {
    for (const event of events) {
      observeStreamEvent(summary, event);
      // An in-band error ends the stream below, in the caller's protocol, once.
      if (translate && event.type !== "error") pending += formatEvents(encoder.push(event));
    }
  };
  const parser = createSseParser(
    (frame) => {
      if (summary.error) return;
      let data: unknown = frame.data;
      if (frame.data !== "[DONE]") {
        try {
          data = JSON.parse(frame.data);
        } catch {
          summary.error = {
            message: "The provider sent a malformed stream chunk.",
            type: "server_error",
            code: null,
          };
          return;
        }
      }
      take(decoder.push({ event: frame.event, data }));
    },
    { maxEventBytes: context.services.settings.maxUpstreamEventBytes },
  );
  const boundary = eventBoundary();
  const takePending = () => {
    const out = pending;
    pending = "";
    return out;
  };
  return {
    push(chunk) {
      parser.feed(chunk);
      if (translate) return takePending();
      boundary.saw(chunk);
      return chunk;
    },
    stopped: () => translate && summary.error !== null,
    complete: () => false,
    end() {
      parser.end();
      if (!summary.error) take(decoder.end());
      let rest = takePending();
      if (summary.error) {
        // Pass-through already forwarded the upstream's own error event with the bytes.
        return { rest, failure: inBandError(context, summary.error), tellCaller: translate };
      }
      if (summary.finishReason === null) return { rest, failure: incompleteStreamError(), tellCaller: true };
      if (translate) rest += formatEvents(encoder.end());
      return { rest, failure: null, tellCaller: false };
    },
    errorFrame: (failure) => (translate ? "" : boundary.separator()) + formatEvents(encoder.fail(failure)),
    summary: () => summary,
  };
}

/**
 * Whether forwarded bytes stopped between two events. An error event appended in the middle of
 * one (a stream cut inside a line) would be read as part of it, so it first ends that event.
 */
function eventBoundary(): { saw(chunk: Buffer): void; separator(): string } {
  let between = true;
  return {
    saw(chunk) {
      const length = chunk.length;
      const last = chunk[length - 1];
      const before = chunk[length - 2];
      between = last === LF && (before === LF || (before === CR && chunk[length - 3] === LF));
    },
    separator: () => (between ? "" : "\n\n"),
  };
}

const LF = 0x0a;
const CR = 0x0d;

/** A provider's in-band stream error, as the caller will see it: never with a credential in it. */
function inBandError(
  context: RequestContext,
  error: { message: string; type: string; code: string | null },
): GatewayError {
  return new GatewayError("PROVIDER_ERROR", redactSecrets(error.message, context.services.secrets), {
    status: 502,
    type: error.type,
    wireCode: error.code,
  });
}

function formatEvents(events: OutgoingSseEvent[]): string {
  let out = "";
  for (const event of events) {
    out += formatSseFrame(
      typeof event.data === "string" ? event.data : JSON.stringify(event.data),
      event.event,
    );
  }
  return out;
}

function incompleteStreamError(): GatewayError {
  return new GatewayError("PROVIDER_ERROR", "The provider's stream ended before the response was complete.", {
    status: 502,
  });
}

/** A stream broke while being forwarded: tells the caller in-band when it is still there. */
async function streamInterrupted(
  context: RequestContext,
  upstream: UpstreamResult,
  writer: ClientWriter,
  error: unknown,
  errorFrame: (failure: GatewayError) => string,
): Promise<GatewayError> {
  const response = context.response;
  let failure: GatewayError;
  if (context.abort.signal.aborted || response.destroyed) {
    failure =
      context.abort.signal.reason instanceof GatewayError ? context.abort.signal.reason : clientGoneError();
  } else if (error instanceof GatewayError) {
    failure = error;
  } else {
    const idle = classifyUpstreamError(error) === "idle_timeout";
    failure = new GatewayError(
      idle ? "GATEWAY_TIMEOUT" : "PROVIDER_ERROR",
      idle
        ? "The provider stopped sending data in the middle of the stream."
        : "The provider's stream was interrupted.",
      { status: idle ? 504 : 502 },
    );
  }
  // A deadline leaves the caller connected: without an error event the stream would look complete.
  if (!response.destroyed && failure.status !== CLIENT_CLOSED_REQUEST) {
    try {
      await writer.write(errorFrame(failure));
    } catch {
      // The caller is gone too; nothing more to tell it.
    }
  }
  upstream.response.body.destroy();
  return failure;
}

function settleStream(
  context: RequestContext,
  summary: { usage: Usage | null; producedChars: number },
  failure: GatewayError | null,
): void {
  context.usage = summary.usage ?? estimatedUsage(context, summary.producedChars);
  context.usageSource = summary.usage ? "upstream" : "estimate";
  if (failure) {
    context.error = failure;
    context.status = failure.status;
  }
}

function estimatedUsage(context: RequestContext, producedChars: number): Usage {
  const promptTokens = estimateTokens(promptCharacters(context.body));
  const completionTokens = estimateTokens(producedChars);
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cachedTokens: 0,
    reasoningTokens: 0,
  };
}

function completionCharacters(json: unknown): number {
  if (!isObject(json) || !Array.isArray(json.choices)) return 0;
  let total = 0;
  for (const choice of json.choices) {
    const message = isObject(choice) && isObject(choice.message) ? choice.message : undefined;
    if (typeof message?.content === "string") total += message.content.length;
    if (Array.isArray(message?.tool_calls)) {
      for (const call of message.tool_calls) {
        if (isObject(call) && isObject(call.function) && typeof call.function.arguments === "string") {
          total += call.function.arguments.length;
        }
      }
    }
  }
  return total;
}

/** Writes to the caller with backpressure, a progress timeout and a buffer bound. */
class ClientWriter {
  private readonly response: ServerResponse;
  // Every provider credential is scrubbed from what goes out, split across chunks or not.
  private readonly redactor: StreamRedactor | null;

  constructor(private readonly context: RequestContext) {
    this.response = context.response;
    const secrets = context.services.secrets;
    this.redactor = secrets.length > 0 ? createStreamRedactor(secrets) : null;
  }

  async write(chunk: string | Buffer): Promise<void> {
    const data = this.scrub(chunk);
    if (data.length === 0) return;
    const response = this.response;
    if (response.destroyed) throw clientGoneError();
    const flushed = response.write(data);
    if (this.context.firstByteAt === null) this.context.firstByteAt = performance.now();
    if (flushed) return;
    const { streamBufferBytes, clientWriteTimeoutMs } = this.context.services.settings;
    if (response.writableLength > streamBufferBytes) this.cutOff("buffer");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.cutOff("write_timeout");
        reject(clientGoneError());
      }, clientWriteTimeoutMs);
      const onDrain = () => {
        cleanup();
        resolve();
      };
      const onClose = () => {
        cleanup();
        reject(clientGoneError());
      };
      const cleanup = () => {
        clearTimeout(timer);
        response.off("drain", onDrain);
        response.off("close", onClose);
      };
      response.on("drain", onDrain);
      response.on("close", onClose);
    });
  }

  /** Ends the response with `last` and whatever the redactor still holds back. */
  end(last: string | Buffer = ""): void {
    const data = last.length > 0 ? this.scrub(last) : "";
    const held = this.redactor?.flush();
    if (this.response.destroyed) return;
    const rest = held !== undefined && held.length > 0 ? Buffer.concat([toBytes(data), held]) : data;
    if (this.context.firstByteAt === null && rest.length > 0) this.context.firstByteAt = performance.now();
    if (rest.length > 0) this.response.end(rest);
    else this.response.end();
  }

  private scrub(chunk: string | Buffer): string | Buffer {
    const redactor = this.redactor;
    if (redactor === null) return chunk;
    if (typeof chunk !== "string") return redactor.push(chunk);
    // Frames written as text (translation, error events) are whole: only the held tail precedes them.
    const text = redactKnownSecrets(chunk, this.context.services.secrets);
    const held = redactor.flush();
    return held.length === 0 ? text : Buffer.concat([held, Buffer.from(text)]);
  }

  private cutOff(reason: "buffer" | "write_timeout"): never | undefined {
    this.context.services.metrics.clientAborts.inc({
      reason: reason === "buffer" ? "slow_reader_buffer" : "slow_reader_timeout",
    });
    const error = clientGoneError();
    if (!this.context.abort.signal.aborted) this.context.abort.abort(error);
    this.response.destroy();
    if (reason === "buffer") throw error;
    return undefined;
  }
}
