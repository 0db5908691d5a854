/**
 * Routing rules end to end: rules from the config file, selected by a key's default or the
 * `floopy-routing-rule` header, strategies ordering real upstreams, circuit breakers skipping a
 * failing target, and the dry run that explains a decision without dispatching.
 */
import { randomBytes } from "node:crypto";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/control/api-keys.js";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const RULED_KEY = `fp_ruled_${randomBytes(12).toString("hex")}`;
const OTHER_ORG_KEY = `fp_other_${randomBytes(12).toString("hex")}`;
let test: TestGateway;
let third: FakeOpenAI;

beforeAll(async () => {
  third = await startFakeOpenAI({ apiKey: "sk-third-secret-0987654321" });
  // The test gateway's `backup` provider is pointed at its second fake; a third serves `third`.
  test = await startTestGateway({
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
        `  third: { type: openai-compatible, base_url: "${third.url}", api_key: sk-third-secret-0987654321, models: [third-model] }`,
        "routing_rules:",
        "  resilient:",
        "    strategy: fallback",
        "    targets: [{ model: openai/gpt-4o-mini }, { model: backup/backup-model }]",
        "  third-first:",
        "    strategy: fallback",
        "    targets: [{ model: third/third-model }, { model: backup/backup-model }]",
        "  patient:",
        "    strategy: fallback",
        "    targets: [{ model: third/third-model }, { model: backup/backup-model }]",
        "    retry: { attempts: 2, on: [5xx, 429], backoff_ms: 20 }",
        "  rotate:",
        "    strategy: round_robin",
        "    targets: [{ model: openai/gpt-4o-mini }, { model: backup/backup-model }, { model: third/third-model }]",
        "keys:",
        `  - { name: ruled, hash: "${hashApiKey(RULED_KEY)}", routing_rule: rotate }`,
        `  - { name: elsewhere, hash: "${hashApiKey(OTHER_ORG_KEY)}", org: other-org }`,
        "",
      ].join("\n"),
  });
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
  third.reset();
});
afterAll(async () => {
  await test.close();
  await third.close();
});

const ask = (client: OpenAI, headers: Record<string, string> = {}) =>
  client.chat.completions
    .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, { headers })
    .withResponse();

describe("routing rules", () => {
  it("fails over along a fallback rule selected by header", async () => {
    test.fake.pushFault({ kind: "status", status: 503 });
    const { data, response } = await ask(test.client, { "floopy-routing-rule": "resilient" });
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
  });

  it("rotates a key's default round-robin rule across its targets", async () => {
    const client = new OpenAI({ baseURL: `${test.gateway.url}/v1`, apiKey: RULED_KEY, maxRetries: 0 });
    const providers: string[] = [];
    for (let index = 0; index < 6; index++)
      providers.push((await ask(client)).response.headers.get("floopy-provider") ?? "");
    expect(new Set(providers.slice(0, 3))).toEqual(new Set(["openai", "backup", "third"]));
    expect(providers.slice(3)).toEqual(providers.slice(0, 3));
  });

  it("refuses an unknown rule by name", async () => {
    const error = await ask(test.client, { "floopy-routing-rule": "nope" }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("floopy-routing-rule");
  });
});

describe("dry run and circuit breakers", () => {
  const explain = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${test.gateway.url}/v1/routing/explain`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], headers }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      would_select: { provider: string; model: string } | null;
      reasoning: string;
      routing_rule_id: string | null;
      strategy: string | null;
      candidates: Array<{
        provider: string;
        model: string;
        source: string;
        skipped: string | null;
        circuit: string;
      }>;
      order: Array<{ provider: string; model: string }>;
    };
  };

  it("explains a decision without sending anything upstream", async () => {
    const decision = await explain({
      "floopy-routing-rule": "resilient",
      "floopy-fallback": "third/third-model",
    });
    expect(decision).toMatchObject({
      would_select: { provider: "openai", model: "gpt-4o-mini" },
      firewall_decision: "allow",
      routing_rule_id: "resilient",
      strategy: "fallback",
    });
    expect(decision.reasoning).toContain("Routing rule 'resilient'");
    expect(decision.candidates.map((candidate) => [candidate.provider, candidate.source])).toEqual([
      ["openai", "rule"],
      ["backup", "rule"],
      ["third", "fallback"],
    ]);
    expect(test.fake.requests.length + test.backup.requests.length + third.requests.length).toBe(0);
    // The `{request, headers}` form says the same.
    const wrapped = await fetch(`${test.gateway.url}/v1/routing/explain`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        request: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        headers: { "floopy-routing-rule": "third-first" },
      }),
    });
    expect(await wrapped.json()).toMatchObject({
      would_select: { provider: "third" },
      routing_rule_id: "third-first",
    });
  });

  it("opens a failing target's circuit, skips it, and says so", async () => {
    // Ten failures in the window at a 100 % failure rate: over the breaker's minimum volume.
    test.fake.setFault(() => ({ kind: "status", status: 500 }));
    for (let index = 0; index < 10; index++) {
      const { response } = await ask(test.client, { "floopy-fallback": "backup/backup-model" });
      expect(response.headers.get("floopy-provider")).toBe("backup");
    }
    const before = test.fake.requests.length;
    const { response } = await ask(test.client, { "floopy-fallback": "backup/backup-model" });
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(test.fake.requests.length).toBe(before); // skipped, not tried
    expect(response.headers.get("floopy-fallback-used")).toBe("true"); // the primary did not answer
    const decision = await explain({ "floopy-fallback": "backup/backup-model" });
    expect(decision.candidates[0]).toMatchObject({
      provider: "openai",
      skipped: "circuit_open",
      circuit: "open",
    });
    expect(decision.order).toEqual([{ provider: "backup", model: "backup-model" }]);
    const metrics = await (await fetch(`${test.gateway.url}/metrics`)).text();
    expect(metrics).toContain('floopy_circuit_state{target="openai/gpt-4o-mini"} 2');
    test.fake.setFault(undefined);
  });
});

describe("stored decisions", () => {
  const get = async (path: string, key = TEST_KEY) => {
    const response = await fetch(`${test.gateway.url}${path}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("records each routed request's decision, readable by request id within the org only", async () => {
    // `third` has not failed before, so its circuit is closed whatever the tests above did to openai.
    third.pushFault({ kind: "status", status: 500 });
    const { response } = await ask(test.client, { "floopy-routing-rule": "third-first" });
    const requestId = response.headers.get("floopy-request-id") ?? "";
    await test.gateway.services.records.flush();
    const { status, body } = await get(`/v1/decisions/${requestId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      request_id: requestId,
      rule: "third-first",
      strategy: "fallback",
      provider: "backup",
      fallback_used: true,
      candidates: [
        { provider: "third", model: "third-model", source: "rule", skipped: null },
        { provider: "backup", model: "backup-model", source: "rule", skipped: null },
        { provider: "openai", model: "gpt-4o-mini", source: "model" },
      ],
      attempts: [
        { provider: "third", status: 500, error_class: "http_5xx" },
        { provider: "backup", status: 200, error_class: null },
      ],
    });
    const elsewhere = await get(`/v1/decisions/${requestId}`, OTHER_ORG_KEY);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ error: { code: "not_found" } });
  });

  it("lists decisions newest first, filtered, with a cursor", async () => {
    for (let index = 0; index < 3; index++) await ask(test.client, { "floopy-routing-rule": "resilient" });
    await test.gateway.services.records.flush();
    const first = await get("/v1/decisions?routing_rule_id=resilient&limit=2");
    expect(first.status).toBe(200);
    const data = first.body.items as Array<{ request_id: string; rule: string }>;
    expect(data).toHaveLength(2);
    expect(data.every((entry) => entry.rule === "resilient")).toBe(true);
    expect(first.body.has_more).toBe(true);
    const second = await get(
      `/v1/decisions?routing_rule_id=resilient&limit=2&cursor=${String(first.body.next_cursor)}`,
    );
    const more = second.body.items as Array<{ request_id: string }>;
    expect(more.length).toBeGreaterThan(0);
    expect(more.some((entry) => data.some((seen) => seen.request_id === entry.request_id))).toBe(false);
    expect((await get("/v1/decisions?limit=0")).body).toMatchObject({ error: { code: "invalid_request" } });
    // Cursors are signed: an edited one is refused, not obeyed.
    const forged = `${Buffer.from(JSON.stringify([Date.now(), "zzz"])).toString("base64url")}.${String(first.body.next_cursor).split(".")[1]}`;
    expect((await get(`/v1/decisions?cursor=${forged}`)).status).toBe(400);
    expect(((await get("/v1/decisions", OTHER_ORG_KEY)).body.items as unknown[]).length).toBe(0);
  });
});

describe("retry policy", () => {
  // First: the failures below add up on `third`'s breaker, and this one must reach `third`.
  it("never retries the caller's own 4xx", async () => {
    third.pushFault({ kind: "status", status: 400, message: "bad temperature" });
    const error = await ask(test.client, { "floopy-routing-rule": "patient" }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(third.requests).toHaveLength(1);
    expect(test.backup.requests).toHaveLength(0);
  });

  it("retries the same target on the failures its rule names before moving on", async () => {
    third.pushFault({ kind: "status", status: 500 }, { kind: "status", status: 502 });
    const { data, response } = await ask(test.client, { "floopy-routing-rule": "patient" });
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("third");
    expect(third.requests).toHaveLength(3);
    expect(test.backup.requests).toHaveLength(0);
  });

  it("waits for a 429's Retry-After before trying the same target again", async () => {
    third.pushFault({ kind: "rate-limit", retryAfterSeconds: 1 });
    const started = performance.now();
    const { response } = await ask(test.client, { "floopy-routing-rule": "patient" });
    expect(response.headers.get("floopy-provider")).toBe("third");
    expect(third.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("moves on once the attempts are spent", async () => {
    third.pushFault(
      { kind: "status", status: 500 },
      { kind: "status", status: 500 },
      { kind: "status", status: 500 },
    );
    const { response } = await ask(test.client, { "floopy-routing-rule": "patient" });
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(third.requests).toHaveLength(3);
  });
});
