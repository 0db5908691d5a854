import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.js";
import { createSseParser } from "./sse-parser.js";

describe("createSseParser's event cap", () => {
  it("fails a line that never ends once it passes the cap", () => {
    const parser = createSseParser(() => {}, { maxEventBytes: 1024 });
    parser.feed(Buffer.from("data: "));
    const block = Buffer.alloc(300, "x");
    let thrown: unknown;
    let fed = 0;
    try {
      for (; fed < 100; fed++) parser.feed(block);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBe(502);
    expect(fed).toBe(3);
  });

  it("fails data lines that never reach their blank line", () => {
    const parser = createSseParser(() => {}, { maxEventBytes: 100 });
    expect(() => {
      for (let index = 0; index < 20; index++) parser.feed(Buffer.from("data: 0123456789\n"));
    }).toThrow(GatewayError);
  });

  it("lets any number of events through as long as each stays under the cap", () => {
    const frames: string[] = [];
    const parser = createSseParser((frame) => frames.push(frame.data), { maxEventBytes: 64 });
    const event = Buffer.from(`data: ${"y".repeat(40)}\n\n`);
    for (let index = 0; index < 1000; index++) {
      // Split mid-event, so the count carries across chunks.
      parser.feed(event.subarray(0, 20));
      parser.feed(event.subarray(20));
    }
    parser.end();
    expect(frames).toHaveLength(1000);
  });
});

describe("createSseParser's decoding", () => {
  it("reads every character whole, wherever the reads split the bytes, and drops a leading BOM", () => {
    const text = 'data: {"content":"naïve ☃ 😀 done"}\n\ndata: plain ascii\n\ndata: é\n\n';
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    const expected = ['{"content":"naïve ☃ 😀 done"}', "plain ascii", "é"];
    for (let first = 1; first < bytes.length; first++) {
      for (const second of [first + 1, first + 7, bytes.length]) {
        const frames: string[] = [];
        const parser = createSseParser((frame) => frames.push(frame.data));
        for (const [from, to] of [
          [0, first],
          [first, second],
          [second, bytes.length],
        ] as const) {
          parser.feed(bytes.subarray(from, Math.min(to, bytes.length)));
        }
        parser.end();
        expect(frames, `split at ${first}, ${second}`).toEqual(expected);
      }
    }
  });
});
