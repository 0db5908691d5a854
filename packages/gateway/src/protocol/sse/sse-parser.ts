/**
 * Bytes -> SSE frames. A real parser (eventsource-parser, the one vercel/ai uses) over a streaming
 * UTF-8 decoder, so events and multi-byte characters split across network reads arrive intact.
 * The parser buffers an event until its blank line, so an upstream that never sends one (a line
 * without end) would grow memory without bound: past `maxEventBytes` without a complete event the
 * stream fails with a 502 instead.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { GatewayError } from "../../errors/gateway-error.js";

export interface SseFrame {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

export interface SseParser {
  /** Throws a 502 GatewayError once more than `maxEventBytes` arrived without completing an event. */
  feed(bytes: Uint8Array): void;
  /** Flushes a trailing partial character/event at end of stream. */
  end(): void;
}

export interface SseParserOptions {
  /** Bytes one event (or one unfinished line) may take; unbounded when absent. */
  maxEventBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;

export function createSseParser(
  onFrame: (frame: SseFrame) => void,
  options: SseParserOptions = {},
): SseParser {
  const maxEventBytes = options.maxEventBytes ?? Number.POSITIVE_INFINITY;
  const decoder = new TextDecoder("utf-8");
  // Whether the decoder may hold the start of a character split across reads. While it cannot
  // and a read ends in ASCII, the read is decoded whole by Buffer#toString, five times cheaper
  // than the streaming decoder. The first read always goes through the decoder (it drops a BOM).
  let decoderMayHold = true;
  let dispatched = false;
  // Bytes fed since the last complete event: an upper bound of what the parser holds, give or
  // take the complete lines after the last event of a chunk.
  let sinceEvent = 0;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      dispatched = true;
      onFrame({ event: message.event, data: message.data, id: message.id });
    },
  });
  return {
    feed(bytes) {
      dispatched = false;
      const endsInAscii = bytes.length > 0 && (bytes[bytes.length - 1] as number) < 0x80;
      let text: string;
      if (!decoderMayHold && endsInAscii) {
        text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
      } else {
        text = decoder.decode(bytes, { stream: true });
        decoderMayHold = !endsInAscii;
      }
      if (text !== "") parser.feed(text);
      if (dispatched) {
        sinceEvent = bytes.length - 1 - Math.max(bytes.lastIndexOf(LF), bytes.lastIndexOf(CR));
      } else sinceEvent += bytes.length;
      if (sinceEvent > maxEventBytes) {
        throw new GatewayError(
          "PROVIDER_ERROR",
          `The provider sent a stream event larger than the ${maxEventBytes}-byte limit.`,
          { status: 502 },
        );
      }
    },
    end() {
      const rest = decoder.decode();
      if (rest !== "") parser.feed(rest);
      // A final event without its blank line still counts: the spec dispatches on the blank line,
      // but vendors that close right after the last data line should not lose it.
      parser.feed("\n\n");
    },
  };
}
