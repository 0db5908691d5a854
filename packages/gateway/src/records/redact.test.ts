import { describe, expect, it } from "vitest";
import { createStreamRedactor, redactSecretBytes } from "./redact.js";

const secret = "sk-canary-stream-secret-0123";
const other = "AIza-other-canary-key-9876";
const text = `data: {"error":{"message":"Incorrect API key provided: ${secret} (also ${other})"}}\n\n`;
const expected = `data: {"error":{"message":"Incorrect API key provided: [REDACTED] (also [REDACTED])"}}\n\n`;

function run(pieces: Buffer[]): { out: string; sameBuffers: boolean } {
  const redactor = createStreamRedactor([secret, other]);
  let out = "";
  let sameBuffers = true;
  for (const piece of pieces) {
    const sent = redactor.push(piece);
    if (sent !== piece) sameBuffers = false;
    out += sent.toString();
  }
  return { out: out + redactor.flush().toString(), sameBuffers };
}

describe("redactSecretBytes", () => {
  it("replaces every occurrence and leaves clean bytes uncopied", () => {
    expect(redactSecretBytes(Buffer.from(`${secret}x${secret}`), [secret]).toString()).toBe(
      "[REDACTED]x[REDACTED]",
    );
    const clean = Buffer.from('{"ok":true}');
    expect(redactSecretBytes(clean, [secret])).toBe(clean);
  });
});

describe("createStreamRedactor", () => {
  it("redacts a secret split at every byte boundary", () => {
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(run([bytes.subarray(0, cut), bytes.subarray(cut)]).out).toBe(expected);
    }
  });

  it("redacts a secret split across three chunks", () => {
    const bytes = Buffer.from(text);
    const start = text.indexOf(secret);
    for (let a = start; a < start + secret.length; a += 3) {
      for (let b = a + 1; b < start + secret.length + 2; b += 4) {
        const pieces = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
        expect(run(pieces).out).toBe(expected);
      }
    }
  });

  it("forwards the original buffers of a stream without secrets", () => {
    const pieces = ['data: {"a":"sk-"}\n\n', 'data: {"b":"hello"}\n\n', "data: [DONE]\n\n"].map((piece) =>
      Buffer.from(piece),
    );
    expect(run(pieces)).toEqual({ out: pieces.join(""), sameBuffers: true });
  });

  it("holds back a tail that only looks like a secret's start, then releases it", () => {
    const redactor = createStreamRedactor([secret]);
    expect(redactor.push(Buffer.from("hello sk-can")).toString()).toBe("hello ");
    expect(redactor.push(Buffer.from("dy\n\n")).toString()).toBe("sk-candy\n\n");
    expect(redactor.flush().length).toBe(0);
  });
});
