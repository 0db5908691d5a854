/**
 * The answer a request amounted to, in the canonical model: what the cache stores and a session
 * turn records. A cache hit's stored answer; a JSON answer decoded from the provider's protocol;
 * a stream's bytes (kept while forwarding, when someone armed the capture before respond) folded
 * into the answer they made. Decoded once, whoever asks first.
 */
import type { GenerateResponse, StreamEvent } from "../canonical/types.js";
import { upstreamCodecs } from "../protocol/protocols.js";
import { eventsToResponse } from "../protocol/response-events.js";
import { createSseParser } from "../protocol/sse/sse-parser.js";
import type { AnswerCapture, RequestContext } from "./request-context.js";

/** The most of one stream kept; a longer answer is neither cached nor kept in a session. */
export const MAX_CAPTURED_STREAM_BYTES = 4 * 1024 * 1024;

/** Asks respond to keep the stream's bytes (idempotent: the cache and a session share one capture). */
export function armAnswerCapture(context: RequestContext): void {
  if (context.operation === "stream_generate")
    context.answerCapture ??= { chunks: [], bytes: 0, overflowed: false };
}

export function keepCapturedChunk(capture: AnswerCapture, chunk: Buffer): void {
  if (capture.overflowed) return;
  capture.bytes += chunk.length;
  if (capture.bytes > MAX_CAPTURED_STREAM_BYTES) {
    capture.overflowed = true;
    capture.chunks = [];
    return;
  }
  capture.chunks.push(chunk);
}

const UNDECODED = Symbol("undecoded");
const answers = new WeakMap<RequestContext, GenerateResponse | null>();

/** Null when there is no whole answer: an error, an aborted or overflowing stream, an unreadable body. */
export function finalAnswer(context: RequestContext): GenerateResponse | null {
  const known = answers.get(context) ?? UNDECODED;
  if (known !== UNDECODED) return known;
  const answer = decodeAnswer(context);
  answers.set(context, answer);
  return answer;
}

function decodeAnswer(context: RequestContext): GenerateResponse | null {
  if (context.status !== 200 || context.error !== null) return null;
  const hit = context.cache?.hit;
  if (hit) return hit.response;
  const upstream = context.upstream;
  if (upstream === null || context.abort.signal.aborted) return null;
  try {
    return upstream.body
      ? upstreamCodecs[upstream.protocol].decodeResponse(upstream.body.json)
      : foldStream(context);
  } catch {
    return null;
  }
}

function foldStream(context: RequestContext): GenerateResponse | null {
  const capture = context.answerCapture;
  const upstream = context.upstream;
  if (!capture || capture.overflowed || !upstream) return null;
  const decoder = upstreamCodecs[upstream.protocol].createStreamDecoder();
  const events: StreamEvent[] = [];
  let broken = false;
  const parser = createSseParser(
    (frame) => {
      let data: unknown = frame.data;
      if (frame.data !== "[DONE]") {
        try {
          data = JSON.parse(frame.data);
        } catch {
          broken = true;
          return;
        }
      }
      events.push(...decoder.push({ event: frame.event, data }));
    },
    { maxEventBytes: context.services.settings.maxUpstreamEventBytes },
  );
  for (const chunk of capture.chunks) parser.feed(chunk);
  parser.end();
  events.push(...decoder.end());
  if (broken) return null;
  return eventsToResponse(events, {
    id: context.id,
    model: upstream.target.model,
    created: Math.floor(context.receivedAt.getTime() / 1000),
  });
}
