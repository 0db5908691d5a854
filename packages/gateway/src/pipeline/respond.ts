/**
 * Stage: respond. Sends the chosen upstream's answer to the caller: a JSON body as-is, or a stream
 * forwarded chunk by chunk as it arrives (never buffered whole), with the tap accumulating usage.
 * A failure after the stream started ends it with an error event in the caller's protocol. Writes
 * honour backpressure: a caller that stops reading for `clientWriteTimeoutMs`, or lets more than
 * `streamBufferBytes` pile up, is cut off and the upstream request aborted.
 */
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Usage } from "../canonical/types.js";
import { GatewayError } from "../errors/gateway-error.js";
import { estimateTokens, promptCharacters } from "../limits/token-estimate.js";
import { renderChatError } from "../protocol/openai-chat/errors.js";
import { createChatStreamTap } from "../protocol/openai-chat/stream-tap.js";
import type { ChatCompletion } from "../protocol/openai-chat/types.js";
import { decodeChatUsage } from "../protocol/openai-chat/usage.js";
import { isObject } from "../protocol/shared/validation.js";
import { createSseParser } from "../protocol/sse/sse-parser.js";
import { classifyUpstreamError } from "../upstream/error-class.js";
import { CLIENT_CLOSED_REQUEST, clientGoneError } from "./abort-reasons.js";
import type { RequestContext, UpstreamResult } from "./request-context.js";
import { floopyHeaders } from "./response-headers.js";

export async function respond(context: RequestContext): Promise<undefined> {
  const upstream = context.upstream;
  if (!upstream) throw new GatewayError("INTERNAL", "No upstream answer to send.");
  if (upstream.body) respondJson(context, upstream.body.bytes, upstream.body.json);
  else await respondStream(context, upstream);
  return undefined;
}

function respondJson(context: RequestContext, bytes: Buffer, json: unknown): void {
  const usage = usageOfJson(context, json);
  context.usage = usage ?? estimatedUsage(context, completionCharacters(json));
  context.usageSource = usage ? "upstream" : "estimate";
  context.status = 200;
  context.response.writeHead(200, {
    ...floopyHeaders(context),
    "content-type": "application/json",
    "content-length": String(bytes.length),
  });
  context.firstByteAt = performance.now();
  context.response.end(bytes);
}

function usageOfJson(context: RequestContext, json: unknown): Usage | null {
  if (!isObject(json) || !isObject(json.usage)) return null;
  if (context.protocol === "openai-embeddings") {
    const prompt = Number(json.usage.prompt_tokens ?? 0);
    return {
      promptTokens: prompt,
      completionTokens: 0,
      totalTokens: Number(json.usage.total_tokens ?? prompt),
      cachedTokens: 0,
      reasoningTokens: 0,
    };
  }
  return decodeChatUsage(
    (json as unknown as ChatCompletion).usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  );
}

async function respondStream(context: RequestContext, upstream: UpstreamResult): Promise<void> {
  const stream = upstream.stream;
  if (!stream) throw new GatewayError("INTERNAL", "No upstream stream to send.");
  const response = context.response;
  const passRaw = !upstream.injectedStreamUsage;
  const tap = createChatStreamTap({ hideUsage: upstream.injectedStreamUsage });
  let pending = "";
  const parser = createSseParser((frame) => {
    const data = tap.frame(frame.data);
    if (!passRaw && data !== null) pending += `data: ${data}\n\n`;
  });
  context.status = 200;
  response.writeHead(200, {
    ...floopyHeaders(context),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  const writer = new ClientWriter(context);
  let failure: GatewayError | null = null;
  try {
    let chunk: Buffer | null = stream.firstChunk;
    while (chunk !== null) {
      parser.feed(chunk);
      if (passRaw) await writer.write(chunk);
      else if (pending !== "") {
        const out = pending;
        pending = "";
        await writer.write(out);
      }
      const next = await stream.iterator.next();
      chunk = next.done ? null : next.value;
    }
    parser.end();
    if (pending !== "") await writer.write(pending);
    const summary = tap.summary();
    if (summary.error) {
      failure = new GatewayError("PROVIDER_ERROR", summary.error.message, {
        status: 502,
        type: summary.error.type,
        wireCode: summary.error.code,
      });
    } else if (!summary.sawDone && summary.finishReason === null) {
      failure = new GatewayError(
        "PROVIDER_ERROR",
        "The provider's stream ended before the response was complete.",
        {
          status: 502,
        },
      );
      await writer.write(`data: ${JSON.stringify(renderChatError(failure))}\n\n`);
    }
  } catch (error) {
    if (context.abort.signal.aborted || response.destroyed) {
      failure =
        context.abort.signal.reason instanceof GatewayError ? context.abort.signal.reason : clientGoneError();
      // A deadline leaves the caller connected: without an error event the stream would look complete.
      if (!response.destroyed && failure.status !== CLIENT_CLOSED_REQUEST) {
        try {
          await writer.write(`data: ${JSON.stringify(renderChatError(failure))}\n\n`);
        } catch {
          // The caller is gone too; nothing more to tell it.
        }
      }
    } else {
      const errorClass = error instanceof GatewayError ? "client" : classifyUpstreamError(error);
      failure =
        error instanceof GatewayError
          ? error
          : new GatewayError(
              errorClass === "idle_timeout" ? "GATEWAY_TIMEOUT" : "PROVIDER_ERROR",
              errorClass === "idle_timeout"
                ? "The provider stopped sending data in the middle of the stream."
                : "The provider's stream was interrupted.",
              { status: errorClass === "idle_timeout" ? 504 : 502 },
            );
      if (!response.destroyed) {
        try {
          await writer.write(`data: ${JSON.stringify(renderChatError(failure))}\n\n`);
        } catch {
          // The caller is gone too; nothing more to tell it.
        }
      }
    }
    upstream.response.body.destroy();
  } finally {
    if (!response.destroyed) response.end();
  }
  const summary = tap.summary();
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

  constructor(private readonly context: RequestContext) {
    this.response = context.response;
  }

  async write(data: string | Buffer): Promise<void> {
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
