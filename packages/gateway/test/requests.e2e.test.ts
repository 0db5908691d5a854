/**
 * The request log API end to end: `GET /v1/requests` (org-scoped, filtered, paged by a signed
 * cursor) and `GET /v1/requests/{id}` (with its decision and attempts; another org's request
 * answers byte for byte as a missing one).
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;
let test: TestGateway;
const ids: Record<string, string> = {};

async function chat(as: string, headers: Record<string, string>, model = "gpt-4o-mini"): Promise<string> {
  const answer = await fetch(`${test.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${as}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "log me" }] }),
  });
  await answer.arrayBuffer();
  return String(answer.headers.get("floopy-request-id"));
}

async function get(path: string, as = key) {
  const answer = await fetch(`${test.gateway.url}${path}`, { headers: { authorization: `Bearer ${as}` } });
  return { status: answer.status, text: await answer.text() };
}

beforeAll(async () => {
  test = await startTestGateway({
    configText: [
      "keys:",
      `  - { name: logger, hash: "${hash(key)}", org: log-org }`,
      `  - { name: other, hash: "${hash(otherKey)}", org: log-other }`,
      "",
    ].join("\n"),
  });
  ids.search = await chat(key, {
    "floopy-property-team": "search",
    "floopy-user-id": "ada",
    "floopy-session-id": "s-1",
  });
  ids.billing = await chat(key, { "floopy-property-team": "billing" });
  ids.unknown = await chat(key, {}, "no-such-model-anywhere");
  ids.other = await chat(otherKey, {});
  await storedRecord(test, String(ids.other));
  for (const id of Object.values(ids)) await storedRecord(test, id);
});

afterAll(async () => {
  await test?.close();
});

describe("request log API", () => {
  it("lists the org's requests newest first with the fields of INTERFACE.md", async () => {
    const { status, text } = await get("/v1/requests");
    expect(status).toBe(200);
    const body = JSON.parse(text) as {
      items: Array<Record<string, unknown>>;
      has_more: boolean;
      next_cursor: string | null;
    };
    expect(body.items.map((item) => item.request_id)).toEqual([ids.unknown, ids.billing, ids.search]);
    expect(body.has_more).toBe(false);
    expect(body.items[2]).toMatchObject({
      route: "/v1/chat/completions",
      user_id: "ada",
      session_id: "s-1",
      properties: { team: "search" },
      provider: "openai",
      model: "gpt-4o-mini",
      status: 200,
      cache_status: null,
      fallback_used: false,
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
    });
    expect(body.items[0]).toMatchObject({ status: 404, error_code: "model_not_found" });
  });

  it("filters by property, user, session, status and model, and pages with a signed cursor", async () => {
    const items = async (query: string) =>
      (
        JSON.parse((await get(`/v1/requests?${query}`)).text) as { items: Array<{ request_id: string }> }
      ).items.map((item) => item.request_id);
    expect(await items("property.team=search")).toEqual([ids.search]);
    expect(await items("user_id=ada")).toEqual([ids.search]);
    expect(await items("session_id=s-1")).toEqual([ids.search]);
    expect(await items("status=404")).toEqual([ids.unknown]);
    expect(await items("model=gpt-4o-mini")).toEqual([ids.billing, ids.search]);
    const first = JSON.parse((await get("/v1/requests?limit=2")).text) as {
      items: Array<{ request_id: string }>;
      next_cursor: string;
    };
    expect(first.items.map((item) => item.request_id)).toEqual([ids.unknown, ids.billing]);
    const second = JSON.parse((await get(`/v1/requests?limit=2&cursor=${first.next_cursor}`)).text) as {
      items: Array<{ request_id: string }>;
      has_more: boolean;
    };
    expect(second.items.map((item) => item.request_id)).toEqual([ids.search]);
    expect(second.has_more).toBe(false);
    const tampered = await get(`/v1/requests?cursor=${first.next_cursor.slice(0, -2)}xx`);
    expect(tampered.status).toBe(400);
    expect((await get("/v1/requests?status=ok")).status).toBe(400);
  });

  it("answers one request with its decision and attempts; another org's as a missing one", async () => {
    const { status, text } = await get(`/v1/requests/${ids.search}`);
    expect(status).toBe(200);
    const body = JSON.parse(text) as {
      decision: { candidates: unknown[] };
      attempts: Array<{ provider: string; status: number }>;
    };
    expect(body.decision.candidates.length).toBeGreaterThan(0);
    expect(body.attempts).toEqual([expect.objectContaining({ provider: "openai", status: 200 })]);
    const foreign = await get(`/v1/requests/${ids.other}`);
    const missing = await get("/v1/requests/01a00000-0000-7000-8000-000000000000");
    expect(foreign.status).toBe(404);
    expect(foreign.text.replace(String(ids.other), "ID")).toBe(
      missing.text.replace("01a00000-0000-7000-8000-000000000000", "ID"),
    );
  });

  it("sums usage per bucket and group, with latency percentiles", async () => {
    const answer = JSON.parse((await get("/v1/usage?interval=day&group_by=property.team")).text) as {
      series: Array<{
        group: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        latency_p50_ms: number | null;
      }>;
    };
    const byGroup = Object.fromEntries(answer.series.map((point) => [String(point.group), point]));
    expect(byGroup.search).toMatchObject({ requests: 1, errors: 0 });
    expect(byGroup.billing).toMatchObject({ requests: 1, errors: 0 });
    expect(byGroup.null).toMatchObject({ requests: 1, errors: 1 });
    expect(byGroup.search?.input_tokens).toBeGreaterThan(0);
    expect(byGroup.search?.latency_p50_ms).toBeGreaterThan(0);
    const byModel = JSON.parse((await get("/v1/usage?interval=minute&group_by=model")).text) as {
      series: Array<{ group: string; requests: number }>;
    };
    expect(
      byModel.series
        .filter((point) => point.group === "gpt-4o-mini")
        .reduce((sum, point) => sum + point.requests, 0),
    ).toBe(2);
    // Another org's requests are not in this org's usage.
    expect(answer.series.reduce((sum, point) => sum + point.requests, 0)).toBe(3);
    for (const bad of ["interval=week", "group_by=secret", "from=2020-01-01T00:00:00Z&interval=minute"]) {
      expect((await get(`/v1/usage?${bad}`)).status, bad).toBe(400);
    }
  });
});
