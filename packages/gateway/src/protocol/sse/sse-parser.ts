/**
 * Bytes -> SSE frames. A real parser (eventsource-parser, the one vercel/ai uses) over a streaming
 * UTF-8 decoder, so events and multi-byte characters split across network reads arrive intact.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface SseFrame {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

export interface SseParser {
  feed(bytes: Uint8Array): void;
  /** Flushes a trailing partial character/event at end of stream. */
  end(): void;
}

export function createSseParser(onFrame: (frame: SseFrame) => void): SseParser {
  const decoder = new TextDecoder("utf-8");
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      onFrame({ event: message.event, data: message.data, id: message.id });
    },
  });
  return {
    feed(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text !== "") parser.feed(text);
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
