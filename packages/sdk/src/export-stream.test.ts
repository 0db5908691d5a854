import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ExportTrailer, exportRows } from "./export-stream.js";

// A multi-byte character near a chunk edge must not break a line's bytes or its hash.
const ROWS = [
  `${JSON.stringify({ request_id: "req_1", model: "gpt-4o-mini" })}\n`,
  `${JSON.stringify({ request_id: "req_2", model: "modèle-ü-😀" })}\n`,
];
const BODY = ROWS.join("");
const TRAILER = `${JSON.stringify({
  trailer: true,
  rows_emitted: 2,
  truncated: false,
  reason: null,
  _floopy_export_trailer: true,
  outcome: "complete",
  row_count: 2,
  byte_count: Buffer.byteLength(BODY),
  checksum_sha256: createHash("sha256").update(BODY).digest("hex"),
})}\n`;

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function read(chunks: Uint8Array[]) {
  let trailer: ExportTrailer | undefined;
  const rows: unknown[] = [];
  for await (const row of exportRows(streamOf(chunks), (verified) => {
    trailer = verified;
  }))
    rows.push(row);
  return { rows, trailer };
}

describe("exportRows", () => {
  const bytes = Buffer.from(BODY + TRAILER);

  it("reads the rows and verifies the trailer, whole", async () => {
    const { rows, trailer } = await read([bytes]);
    // Wire rows: the resource camelCases them.
    expect(rows).toEqual([
      { request_id: "req_1", model: "gpt-4o-mini" },
      { request_id: "req_2", model: "modèle-ü-😀" },
    ]);
    expect(trailer).toMatchObject({ rowCount: 2, byteCount: Buffer.byteLength(BODY), outcome: "complete" });
  });

  it("gives the same answer split at every byte boundary", async () => {
    const whole = await read([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await read([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
    }
  });

  it("gives the same answer one byte a chunk", async () => {
    const whole = await read([bytes]);
    const single = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(await read(single)).toEqual(whole);
  });

  it("accepts a trailer without its final newline", async () => {
    const { trailer } = await read([Buffer.from(BODY + TRAILER.trimEnd())]);
    expect(trailer?.rowCount).toBe(2);
  });

  it("rejects a line that is not JSON", async () => {
    await expect(read([Buffer.from(`not json\n${TRAILER}`)])).rejects.toMatchObject({
      code: "export_malformed_line",
    });
  });

  it("rejects a row count that does not match", async () => {
    const lying = TRAILER.replace('"row_count":2', '"row_count":3');
    await expect(read([Buffer.from(BODY + lying)])).rejects.toMatchObject({
      code: "export_row_count_mismatch",
    });
  });

  it("cancels the body when the reader stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(Buffer.from(ROWS[0] ?? ""));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _row of exportRows(body, () => undefined)) break;
    expect(cancelled).toBe(true);
  });
});
