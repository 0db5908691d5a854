/**
 * The decision export: against a real gateway the rows arrive camelCased and the trailer verifies;
 * against a stub, a trailer that does not match the bytes (or none at all) throws, and rows are
 * handed over as they arrive, before the export has ended.
 */
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTestGateway,
  storedRecord,
  TEST_KEY,
  type TestGateway,
} from "../../gateway/test/support/test-gateway.js";
import { Floopy, FloopyExportIntegrityError, FloopyValidationError } from "../src/index.js";
import { type Stub, startStub } from "./support/stub-server.js";

let test: TestGateway;
let client: Floopy;
const requestIds: string[] = [];
let startedAt: Date;

beforeAll(async () => {
  test = await startTestGateway();
  client = new Floopy({ apiKey: TEST_KEY, baseURL: `${test.gateway.url}/v1`, maxRetries: 0 });
  startedAt = new Date(Date.now() - 1000);
  for (let call = 0; call < 4; call++) {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `export ${call}` }],
    });
    requestIds.push(completion._request_id ?? "");
  }
  for (const id of requestIds) await storedRecord(test, id);
});

afterAll(async () => {
  await test?.close();
});

describe("export against the gateway", () => {
  it("decisions() yields every row of the range, camelCased", async () => {
    const seen: string[] = [];
    for await (const row of client.export.decisions({ from: startedAt, to: new Date(Date.now() + 1000) })) {
      expect(row.object).toBe("routing.decision");
      expect(row).toHaveProperty("fallbackUsed");
      seen.push(row.requestId);
    }
    expect(seen.sort()).toEqual([...requestIds].sort());
  });

  it("decisionsWithTrailer() sets the verified trailer once the rows are read", async () => {
    const exported = await client.export.decisionsWithTrailer({ from: startedAt.toISOString() });
    expect(exported.trailer).toBeNull();
    let rows = 0;
    for await (const _row of exported.rows) rows++;
    expect(rows).toBe(requestIds.length);
    expect(exported.trailer).toMatchObject({
      rowsEmitted: rows,
      rowCount: rows,
      truncated: false,
      outcome: "complete",
      checksumSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(exported.trailer?.byteCount).toBeGreaterThan(0);
  });

  it("an empty range still ends in a verified trailer", async () => {
    const exported = await client.export.decisionsWithTrailer({
      from: "2001-01-01T00:00:00Z",
      to: "2001-01-02T00:00:00Z",
    });
    for await (const _row of exported.rows) throw new Error("no row expected");
    expect(exported.trailer).toMatchObject({ rowCount: 0, byteCount: 0, outcome: "complete" });
    expect(exported.trailer?.checksumSha256).toBe(createHash("sha256").digest("hex"));
  });

  it("a bad range is a FloopyValidationError before any row", async () => {
    await expect(
      client.export.decisionsWithTrailer({ from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
    ).rejects.toBeInstanceOf(FloopyValidationError);
  });
});

const ROW_A = `${JSON.stringify({ object: "routing.decision", request_id: "req_a", fallback_used: false })}\n`;
const ROW_B = `${JSON.stringify({ object: "routing.decision", request_id: "req_b", fallback_used: true })}\n`;

function trailerFor(text: string, rows: number, overrides: Record<string, unknown> = {}): string {
  const trailer = {
    trailer: true,
    rows_emitted: rows,
    truncated: false,
    reason: null,
    _floopy_export_trailer: true,
    outcome: "complete",
    row_count: rows,
    byte_count: Buffer.byteLength(text),
    checksum_sha256: createHash("sha256").update(text).digest("hex"),
    ...overrides,
  };
  return `${JSON.stringify(trailer)}\n`;
}

describe("export against a tampered stream", () => {
  let stub: Stub;
  let served = "";
  beforeAll(async () => {
    stub = await startStub(() => ({ headers: { "content-type": "application/x-ndjson" }, body: served }));
  });
  afterAll(async () => {
    await stub.close();
  });

  async function drain(body: string) {
    served = body;
    const floopy = new Floopy({ apiKey: "fp_stub", baseURL: stub.baseURL, maxRetries: 0 });
    const exported = await floopy.export.decisionsWithTrailer({ from: "2026-01-01T00:00:00Z" });
    const rows: string[] = [];
    for await (const row of exported.rows) rows.push(row.requestId);
    return { rows, trailer: exported.trailer };
  }

  it("accepts an honest stream and sends from and to", async () => {
    const text = ROW_A + ROW_B;
    const { rows, trailer } = await drain(text + trailerFor(text, 2));
    expect(rows).toEqual(["req_a", "req_b"]);
    expect(trailer?.rowCount).toBe(2);
    expect(stub.requests.at(-1)?.url.pathname).toBe("/v1/export/decisions");
    expect(stub.requests.at(-1)?.url.searchParams.get("from")).toBe("2026-01-01T00:00:00Z");
  });

  it("throws when a row was altered (checksum)", async () => {
    const text = ROW_A + ROW_B;
    const altered = ROW_A + ROW_B.replace("req_b", "req_x");
    const failure = drain(altered + trailerFor(text, 2));
    await expect(failure).rejects.toBeInstanceOf(FloopyExportIntegrityError);
    await expect(failure).rejects.toMatchObject({ code: "export_checksum_mismatch" });
  });

  it("throws when bytes are missing (byte count)", async () => {
    const text = ROW_A + ROW_B;
    await expect(drain(ROW_A + trailerFor(text, 2))).rejects.toMatchObject({
      code: "export_byte_count_mismatch",
    });
  });

  it("throws when the stream ends without a trailer", async () => {
    await expect(drain(ROW_A + ROW_B)).rejects.toMatchObject({ code: "export_trailer_missing" });
  });

  it("throws when data follows the trailer", async () => {
    await expect(drain(ROW_A + trailerFor(ROW_A, 1) + ROW_B)).rejects.toMatchObject({
      code: "export_data_after_trailer",
    });
  });

  it("decisions() throws when the gateway says it could not finish", async () => {
    served = ROW_A + trailerFor(ROW_A, 1, { truncated: true, reason: "store_error", outcome: "error" });
    const floopy = new Floopy({ apiKey: "fp_stub", baseURL: stub.baseURL, maxRetries: 0 });
    const rows: string[] = [];
    const reading = (async () => {
      for await (const row of floopy.export.decisions()) rows.push(row.requestId);
    })();
    await expect(reading).rejects.toMatchObject({ code: "export_incomplete" });
    expect(rows).toEqual(["req_a"]);
  });
});

describe("export streaming", () => {
  it("hands a row over before the export has ended", async () => {
    let open: ServerResponse | undefined;
    const stub = await startStub((_request, response) => {
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      response.write(ROW_A);
      open = response;
      return undefined;
    });
    try {
      const floopy = new Floopy({ apiKey: "fp_stub", baseURL: stub.baseURL, maxRetries: 0 });
      const exported = await floopy.export.decisionsWithTrailer();
      const iterator = exported.rows[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.value?.requestId).toBe("req_a");
      expect(open?.writableEnded).toBe(false);
      open?.end(ROW_B + trailerFor(ROW_A + ROW_B, 2));
      expect((await iterator.next()).value?.requestId).toBe("req_b");
      expect((await iterator.next()).done).toBe(true);
      expect(exported.trailer?.rowCount).toBe(2);
    } finally {
      await stub.close();
    }
  });
});
