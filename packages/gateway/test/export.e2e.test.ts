/**
 * The decision export end to end (INTERFACE.md "Floopy's own API"): JSON Lines of the caller's
 * org only, across several store pages, `from` inclusive and `to` exclusive, a trailer whose byte
 * count and SHA-256 verify the bytes before it, a 400 for a bad date, and a caller that leaves
 * mid-export stopping the reading.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EXPORT_PAGE_ROWS } from "../src/platform/export.js";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;
const ROWS = EXPORT_PAGE_ROWS * 2 + 37;

let test: TestGateway;
const requestIds: string[] = [];

async function chat(as: string): Promise<string> {
  const answer = await fetch(`${test.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "export me" }] }),
  });
  await answer.arrayBuffer();
  return String(answer.headers.get("floopy-request-id"));
}

beforeAll(async () => {
  test = await startTestGateway({
    configText: [
      "keys:",
      `  - { name: exporter, hash: "${hash(key)}", org: export-org }`,
      `  - { name: other, hash: "${hash(otherKey)}", org: export-other }`,
      "",
    ].join("\n"),
  });
  for (let batch = 0; batch < ROWS; batch += 25) {
    const size = Math.min(25, ROWS - batch);
    requestIds.push(...(await Promise.all(Array.from({ length: size }, () => chat(key)))));
  }
  await chat(otherKey);
  await storedRecord(test, requestIds.at(-1) ?? "");
  await test.gateway.services.records.flush();
}, 120_000);

afterAll(async () => {
  await test?.close();
});

function exportUrl(query = ""): string {
  return `${test.gateway.url}/v1/export/decisions${query}`;
}

interface Parsed {
  rows: Array<{ request_id: string; created_at: string }>;
  trailer: Record<string, unknown>;
  before: Buffer;
}

function parse(body: Buffer): Parsed {
  const text = body.toString("utf8");
  expect(text.endsWith("\n")).toBe(true);
  const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
  const before = body.subarray(0, Buffer.byteLength(text.slice(0, lastStart)));
  const lines = text
    .slice(0, lastStart)
    .split("\n")
    .filter((line) => line !== "");
  return {
    rows: lines.map((line) => JSON.parse(line)),
    trailer: JSON.parse(text.slice(lastStart)),
    before,
  };
}

describe("decision export", () => {
  it("streams every decision of the caller's org across pages, then a trailer that verifies", async () => {
    const answer = await fetch(exportUrl(), { headers: { authorization: `Bearer ${key}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toContain("application/x-ndjson");
    const { rows, trailer, before } = parse(Buffer.from(await answer.arrayBuffer()));
    expect(rows).toHaveLength(ROWS);
    expect(new Set(rows.map((row) => row.request_id))).toEqual(new Set(requestIds));
    expect(trailer).toEqual({
      trailer: true,
      rows_emitted: ROWS,
      truncated: false,
      reason: null,
      _floopy_export_trailer: true,
      outcome: "complete",
      row_count: ROWS,
      byte_count: before.length,
      checksum_sha256: createHash("sha256").update(before).digest("hex"),
    });
    const other = parse(
      Buffer.from(
        await (await fetch(exportUrl(), { headers: { authorization: `Bearer ${otherKey}` } })).arrayBuffer(),
      ),
    );
    expect(other.rows).toHaveLength(1);
  });

  it("takes from inclusive and to exclusive", async () => {
    const all = parse(
      Buffer.from(
        await (await fetch(exportUrl(), { headers: { authorization: `Bearer ${key}` } })).arrayBuffer(),
      ),
    );
    const middle = all.rows[Math.floor(ROWS / 2)];
    if (!middle) throw new Error("no rows");
    const at = encodeURIComponent(middle.created_at);
    const after = parse(
      Buffer.from(
        await (
          await fetch(exportUrl(`?from=${at}`), { headers: { authorization: `Bearer ${key}` } })
        ).arrayBuffer(),
      ),
    );
    const before = parse(
      Buffer.from(
        await (
          await fetch(exportUrl(`?to=${at}`), { headers: { authorization: `Bearer ${key}` } })
        ).arrayBuffer(),
      ),
    );
    expect(after.rows.some((row) => row.request_id === middle.request_id)).toBe(true);
    expect(before.rows.some((row) => row.request_id === middle.request_id)).toBe(false);
    expect(after.rows.length + before.rows.length).toBe(ROWS);
    expect(before.rows.every((row) => row.created_at < middle.created_at)).toBe(true);
  });

  it("refuses a date it cannot read", async () => {
    const answer = await fetch(exportUrl("?from=yesterday"), { headers: { authorization: `Bearer ${key}` } });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });

  it("stops reading the store when the caller leaves mid-export", async () => {
    const events = test.gateway.services.stores.events;
    const original = events.listDecisions.bind(events);
    let pages = 0;
    const spy = vi.spyOn(events, "listDecisions").mockImplementation(async (query) => {
      pages++;
      await new Promise((resolve) => setTimeout(resolve, 150));
      return original(query);
    });
    try {
      const controller = new AbortController();
      const answer = await fetch(exportUrl(), {
        headers: { authorization: `Bearer ${key}` },
        signal: controller.signal,
      });
      const reader = answer.body?.getReader();
      await reader?.read();
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 800));
      // Three pages make the whole export; a caller gone after the first stops it at the next.
      expect(pages).toBeLessThanOrEqual(2);
      // And the request is over, not waiting on a socket that will never drain.
      await vi.waitFor(() => expect(test.gateway.services.inFlight.size).toBe(0), { timeout: 2_000 });
    } finally {
      spy.mockRestore();
    }
  });
});
