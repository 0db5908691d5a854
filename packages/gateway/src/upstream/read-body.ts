/**
 * Reads an upstream body whole, never past a byte cap: every answer, error body, model list and
 * fetched image goes through here, so no upstream can make the gateway buffer without bound.
 *
 * Event listeners, not `for await`: an async iterator costs a promise and several ticks per chunk,
 * and a JSON answer is read on every non-streamed request.
 */
import type { Readable } from "node:stream";

export interface BodyRead {
  bytes: Buffer;
  /** True when the body went past the cap: `bytes` holds the first `limit` bytes only. */
  overflowed: boolean;
}

/**
 * Resolves with the body, or with its first `limit` bytes (`overflowed`) as soon as it passes the
 * cap, the rest then destroyed. A stream error (abort, reset, idle timeout) rejects, unless
 * `keepPartial` says to resolve with what arrived (an error body is worth what it has).
 */
export function readBody(
  body: Readable,
  limit: number,
  options: { keepPartial?: boolean } = {},
): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    if (body.destroyed) {
      if (options.keepPartial) resolve({ bytes: Buffer.alloc(0), overflowed: false });
      else reject(new Error("the upstream body was closed before it was read"));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (overflowed: boolean) => {
      cleanup();
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      resolve({ bytes: overflowed ? whole.subarray(0, limit) : whole, overflowed });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        finish(true);
        body.destroy();
      }
    };
    const onEnd = () => finish(false);
    const onError = (error: Error) => {
      if (options.keepPartial) {
        finish(false);
        return;
      }
      cleanup();
      reject(error);
    };
    // A body destroyed without an error (the caller gave up) ends the read too.
    const onClose = () => {
      if (!body.readableEnded) onError(new Error("the upstream body was closed before its end"));
    };
    const cleanup = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
      // Destroying a body read no further makes undici emit an abort error nobody waits for.
      body.on("error", ignore);
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}

function ignore(): void {}
