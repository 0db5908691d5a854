/**
 * Floopy's own resources against a real gateway: decisions (one page, every page, `for await`),
 * the routing dry run, constraints, the request log and usage, camelCase in and out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTestGateway,
  storedRecord,
  TEST_KEY,
  type TestGateway,
} from "../../gateway/test/support/test-gateway.js";
import { type Decision, Floopy } from "../src/index.js";

let test: TestGateway;
let client: Floopy;
const requestIds: string[] = [];
const CALLS = 5;

beforeAll(async () => {
  test = await startTestGateway();
  client = new Floopy({ apiKey: TEST_KEY, baseURL: `${test.gateway.url}/v1`, maxRetries: 0 });
  for (let call = 0; call < CALLS; call++) {
    const { response } = await client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: `decide ${call}` }] },
        { headers: { "floopy-property-team": "search", "floopy-user-id": "user-7" } },
      )
      .withResponse();
    requestIds.push(String(response.headers.get("floopy-request-id")));
  }
  for (const id of requestIds) await storedRecord(test, id);
});

afterAll(async () => {
  await test?.close();
});

describe("decisions", () => {
  it("get answers one decision in camelCase", async () => {
    const id = requestIds[0] ?? "";
    const decision = await client.decisions.get(id);
    expect(decision.requestId).toBe(id);
    expect(decision.object).toBe("routing.decision");
    expect(decision.provider).toBe("openai");
    expect(decision.model).toBe("gpt-4o-mini");
    expect(decision.fallbackUsed).toBe(false);
    expect(decision.attempts[0]).toMatchObject({ provider: "openai", status: 200 });
    expect(decision.attempts[0]).toHaveProperty("latencyMs");
    expect(decision).not.toHaveProperty("request_id");
  });

  it("list answers one page with its cursor", async () => {
    const page = await client.decisions.list({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.hasMore).toBe(true);
    expect(page.nextCursor).toEqual(expect.any(String));
    // Newest first.
    expect(page.items[0]?.requestId).toBe(requestIds.at(-1));
    const next = await page.nextPage();
    expect(next?.items[0]?.requestId).toBe(requestIds.at(-3));
  });

  it("iterate reads every decision across pages", async () => {
    const seen: string[] = [];
    for await (const decision of client.decisions.iterate({ limit: 2 })) seen.push(decision.requestId);
    expect(seen).toEqual([...requestIds].reverse());
  });

  it("for await over list() reads every page too", async () => {
    const seen: Decision[] = [];
    for await (const decision of client.decisions.list({ limit: 3 })) seen.push(decision);
    expect(seen.map((decision) => decision.requestId)).toEqual([...requestIds].reverse());
  });

  it("filters by model (and by a range that holds nothing)", async () => {
    const page = await client.decisions.list({ model: "gpt-4o-mini" });
    expect(page.items).toHaveLength(CALLS);
    const none = await client.decisions.list({ to: new Date(Date.now() - 86_400_000) });
    expect(none).toMatchObject({ items: [], hasMore: false, nextCursor: null });
  });
});

describe("routing.explain", () => {
  it("answers what would be selected, calling no provider", async () => {
    const before = test.fake.requests.length;
    const explanation = await client.routing.explain({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Where would this go?" }],
    });
    expect(explanation.wouldSelect).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(explanation.firewallDecision).toBe("allow");
    expect(explanation.reasoning).toEqual(expect.any(String));
    expect(explanation).toHaveProperty("routingRuleId");
    expect(test.fake.requests.length).toBe(before);
  });
});

describe("constraints", () => {
  it("get and update (a full replace)", async () => {
    expect(await client.constraints.get()).toEqual({
      costLimitMonthlyUsd: null,
      tokenWindowSeconds: null,
      maxTokensPerWindow: null,
      maxRequestsPerMinute: null,
    });
    const saved = await client.constraints.update({ maxRequestsPerMinute: 6000, costLimitMonthlyUsd: 250 });
    expect(saved).toEqual({
      costLimitMonthlyUsd: 250,
      tokenWindowSeconds: null,
      maxTokensPerWindow: null,
      maxRequestsPerMinute: 6000,
    });
    expect(await client.constraints.get()).toEqual(saved);
    // Left out means cleared.
    const cleared = await client.constraints.update({
      tokenWindowSeconds: 60,
      maxTokensPerWindow: 1_000_000,
    });
    expect(cleared).toEqual({
      costLimitMonthlyUsd: null,
      tokenWindowSeconds: 60,
      maxTokensPerWindow: 1_000_000,
      maxRequestsPerMinute: null,
    });
    await client.constraints.update({});
  });
});

describe("requests and usage", () => {
  it("requests.get answers the record with its decision; properties keep their keys", async () => {
    const id = requestIds[1] ?? "";
    const record = await client.requests.get(id);
    expect(record).toMatchObject({
      requestId: id,
      route: "/v1/chat/completions",
      userId: "user-7",
      properties: { team: "search" },
      provider: "openai",
      status: 200,
      fallbackUsed: false,
    });
    expect(record.usage?.inputTokens).toBeGreaterThan(0);
    expect(record.decision?.requestId).toBe(id);
    expect(record.attempts.length).toBeGreaterThan(0);
  });

  it("requests.list filters by property and pages; iterate reads them all", async () => {
    const page = await client.requests.list({ properties: { team: "search" }, limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.hasMore).toBe(true);
    const none = await client.requests.list({ properties: { team: "nobody" } });
    expect(none.items).toEqual([]);
    const every: string[] = [];
    for await (const record of client.requests.iterate({ userId: "user-7", limit: 2 })) {
      every.push(record.requestId);
    }
    expect(every).toEqual([...requestIds].reverse());
  });

  it("usage.get sums the requests per bucket and group", async () => {
    const usage = await client.usage.get({ interval: "day", groupBy: "model" });
    expect(usage.interval).toBe("day");
    expect(usage.groupBy).toBe("model");
    const requests = usage.series
      .filter((point) => point.group === "gpt-4o-mini")
      .reduce((sum, point) => sum + point.requests, 0);
    expect(requests).toBeGreaterThanOrEqual(CALLS);
    expect(usage.series[0]).toHaveProperty("inputTokens");
    expect(usage.series[0]).toHaveProperty("latencyP50Ms");
  });
});
