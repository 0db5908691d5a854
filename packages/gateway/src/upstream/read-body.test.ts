import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readBody } from "./read-body.js";

function body(): PassThrough {
  return new PassThrough();
}

describe("readBody", () => {
  it("reads a body sent in pieces, whole", async () => {
    const stream = body();
    const read = readBody(stream, 100);
    stream.write('{"a":');
    stream.end("1}");
    expect(await read).toEqual({ bytes: Buffer.from('{"a":1}'), overflowed: false });
  });

  it("stops at the cap with the first bytes and destroys the rest", async () => {
    const stream = body();
    const read = readBody(stream, 5);
    stream.write("abc");
    stream.write("defgh");
    const result = await read;
    expect(result.overflowed).toBe(true);
    expect(result.bytes.toString()).toBe("abcde");
    expect(stream.destroyed).toBe(true);
  });

  it("rejects on a stream error, or keeps what arrived when asked to", async () => {
    const failing = body();
    const read = readBody(failing, 100);
    failing.write("part");
    failing.destroy(new Error("reset"));
    await expect(read).rejects.toThrow("reset");

    const partial = body();
    const kept = readBody(partial, 100, { keepPartial: true });
    partial.write("part");
    partial.destroy(new Error("reset"));
    expect((await kept).bytes.toString()).toBe("part");
  });

  it("rejects a body closed before its end without an error, and one already destroyed", async () => {
    const closed = body();
    const read = readBody(closed, 100);
    closed.write("x");
    closed.destroy();
    await expect(read).rejects.toThrow("closed before its end");

    const gone = body();
    gone.destroy();
    await expect(readBody(gone, 100)).rejects.toThrow("closed before it was read");
  });
});
