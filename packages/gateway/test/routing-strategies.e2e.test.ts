/**
 * Routing strategies end to end, over real sockets: a real gateway in front of three testkit fakes
 * (`openai`, `backup`, `third`), called with the official openai client. Latency-based routing
 * follows the fast target and follows it back when the two swap; weighted routing splits traffic
 * by weight; a fallback chain walks three upstreams and stores every attempt; a caller's own 400
 * stops the chain at once. Where traffic went is read from the fakes' own recorded requests.
 *
 * Randomness (the weighted draw, latency_based's 5 % exploration) comes from
 * `gateway.services.random`, replaced here by a seeded PRNG so the runs are repeatable.
 */
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI, { type APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  PROVIDER_KEY,
  startTestGateway,
  storedRecord,
  TEST_KEY,
  type TestGateway,
} from "./support/test-gateway.js";

const BACKUP_KEY = "sk-backup-secret-1234567890";
const THIRD_KEY = "sk-third-secret-0987654321";

let test: TestGateway;
let third: FakeOpenAI;

beforeAll(async () => {
  third = await startFakeOpenAI({ apiKey: THIRD_KEY });
  test = await startTestGateway({
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: ${BACKUP_KEY}, models: [backup-model] }`,
        `  third: { type: openai-compatible, base_url: "${third.url}", api_key: ${THIRD_KEY}, models: [third-model] }`,
        "routing_rules:",
        // Its own `lat-model` targets: the statistics latency_based reads are per provider/model,
        // so no other test's traffic moves them.
        "  fastest:",
        "    strategy: latency_based",
        "    targets: [{ model: backup/lat-model }, { model: third/lat-model }]",
        "  split:",
        "    strategy: weighted",
        "    targets: [{ model: openai/gpt-4o-mini, weight: 80 }, { model: backup/backup-model, weight: 20 }]",
        "  chain:",
        "    strategy: fallback",
        "    targets: [{ model: openai/gpt-4o-mini }, { model: backup/backup-model }, { model: third/third-model }]",
        "",
      ].join("\n"),
  });
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
  third.reset();
  test.gateway.services.random = seeded(0x5eed);
});
afterAll(async () => {
  await test?.close();
  await third?.close();
});

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** One chat request through a rule; which provider answered and the request id. */
async function ask(rule: string, model = "gpt-4o-mini") {
  const { data, response } = await test.client.chat.completions
    .create(
      { model, messages: [{ role: "user", content: "hi" }] },
      { headers: { "floopy-routing-rule": rule } },
    )
    .withResponse();
  expect(data.choices[0]?.message.content).toBe("Echo: hi");
  return {
    provider: response.headers.get("floopy-provider") ?? "",
    fallbackUsed: response.headers.get("floopy-fallback-used"),
    requestId: response.headers.get("floopy-request-id") ?? "",
  };
}

/** Sends `count` requests one after another; the answering providers in order. */
async function askMany(rule: string, count: number, model?: string): Promise<string[]> {
  const providers: string[] = [];
  for (let index = 0; index < count; index++) providers.push((await ask(rule, model)).provider);
  return providers;
}

const share = (providers: readonly string[], provider: string) =>
  providers.filter((entry) => entry === provider).length / providers.length;

async function decision(requestId: string) {
  await storedRecord(test, requestId);
  const response = await fetch(`${test.gateway.url}/v1/decisions/${requestId}`, {
    headers: { authorization: `Bearer ${TEST_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("latency_based", () => {
  const slow = (delayMs: number) => () => ({ kind: "slow-first-byte" as const, delayMs });

  it("sends most traffic to the fast target, and follows it when the two swap", async () => {
    // Phase 1: `third` is slow on every request, `backup` answers at once.
    third.setFault(slow(150));
    const warmUp = await askMany("fastest", 10, "backup/lat-model");
    // Targets never measured go first, so both are tried before latency decides.
    expect(new Set(warmUp)).toEqual(new Set(["backup", "third"]));
    const backupBefore = test.backup.requests.length;
    const thirdBefore = third.requests.length;
    const phase1 = await askMany("fastest", 20, "backup/lat-model");
    const toBackup = test.backup.requests.length - backupBefore;
    const toThird = third.requests.length - thirdBefore;
    expect(toBackup + toThird).toBe(20);
    expect(toBackup / 20).toBeGreaterThanOrEqual(0.8);
    expect(share(phase1, "backup")).toBe(toBackup / 20);
    expect(test.fake.requests).toHaveLength(0);

    // Phase 2: they swap. `backup` is made slower than `third` ever was, so its moving average
    // passes `third`'s last measured one within a few requests (with equal delays only the 5 %
    // exploration would refresh `third`'s stale average, which takes too long for a test).
    third.setFault(undefined);
    test.backup.setFault(slow(300));
    await askMany("fastest", 10, "backup/lat-model");
    const backupMid = test.backup.requests.length;
    const thirdMid = third.requests.length;
    const phase2 = await askMany("fastest", 20, "backup/lat-model");
    const nowToThird = third.requests.length - thirdMid;
    expect(nowToThird + (test.backup.requests.length - backupMid)).toBe(20);
    expect(nowToThird / 20).toBeGreaterThanOrEqual(0.8);
    expect(share(phase2, "third")).toBe(nowToThird / 20);
    for (const request of [...test.backup.requests, ...third.requests])
      expect((request.body as { model?: string }).model).toBe("lat-model");

    // The stored decision ranks by inverse latency: the fast target first, with the higher score.
    const { requestId, provider } = await ask("fastest", "backup/lat-model");
    const stored = await decision(requestId);
    const candidates = stored.candidates as Array<{ provider: string; source: string; score: number }>;
    expect(stored).toMatchObject({ rule: "fastest", strategy: "latency_based", provider });
    expect(candidates.map((candidate) => candidate.source)).toEqual(["rule", "rule"]);
    if (provider === "third") {
      expect(candidates[0]?.provider).toBe("third");
      expect(candidates[0]?.score).toBeGreaterThan(candidates[1]?.score ?? Number.POSITIVE_INFINITY);
    }
  }, 10_000);

  it("explores: a draw under the 5 % share sends a request to the slower target", async () => {
    // Teach the statistics that `backup` is slow and `third` fast (this rule's own targets).
    test.backup.setFault(slow(200));
    await askMany("fastest", 6, "backup/lat-model");
    expect((await ask("fastest", "backup/lat-model")).provider).toBe("third");
    // The exploration draw (0.01 < 0.05) then the pick (0.99 of two: the second-ranked, `backup`).
    const scripted = [0.01, 0.99];
    const fallback = seeded(7);
    test.gateway.services.random = () => scripted.shift() ?? fallback();
    const before = test.backup.requests.length;
    const explored = await ask("fastest", "backup/lat-model");
    expect(explored.provider).toBe("backup");
    expect(test.backup.requests.length).toBe(before + 1);
    // Exploring is not a fallback: the target was put first, not reached after a failure.
    expect(explored.fallbackUsed).toBe("false");
    // A draw over the share does not explore.
    test.gateway.services.random = () => 0.5;
    expect((await ask("fastest", "backup/lat-model")).provider).toBe("third");
  }, 10_000);
});

describe("weighted", () => {
  it("splits 200 requests about 80/20 by weight", async () => {
    const providers = await askMany("split", 200);
    const toOpenai = test.fake.requests.length;
    const toBackup = test.backup.requests.length;
    expect(toOpenai + toBackup).toBe(200);
    expect(third.requests).toHaveLength(0);
    expect(toOpenai / 200).toBeGreaterThanOrEqual(0.7);
    expect(toOpenai / 200).toBeLessThanOrEqual(0.9);
    expect(toBackup).toBeGreaterThan(0);
    // The headers say the same as the fakes.
    expect(share(providers, "openai")).toBe(toOpenai / 200);
    expect(share(providers, "backup")).toBe(toBackup / 200);
  }, 10_000);

  it("falls back to the other target when the drawn one fails", async () => {
    // A draw of 0.1 of the total weight lands in openai's 80: it goes first, backup follows.
    test.gateway.services.random = () => 0.1;
    test.fake.pushFault({ kind: "status", status: 503 });
    const { provider, fallbackUsed, requestId } = await ask("split");
    expect(provider).toBe("backup");
    expect(fallbackUsed).toBe("true");
    expect(test.fake.requests).toHaveLength(1);
    expect(test.backup.requests).toHaveLength(1);
    expect(await decision(requestId)).toMatchObject({
      strategy: "weighted",
      candidates: [
        { provider: "openai", source: "rule", score: 80 },
        { provider: "backup", source: "rule", score: 20 },
      ],
    });
  });
});

describe("three-upstream fallback chain", () => {
  it("walks 500, then 429 with Retry-After, to the third, and stores all three attempts", async () => {
    test.fake.pushFault({ kind: "status", status: 500 });
    test.backup.pushFault({ kind: "rate-limit", retryAfterSeconds: 3 });
    const started = performance.now();
    const { provider, fallbackUsed, requestId } = await ask("chain");
    expect(provider).toBe("third");
    expect(fallbackUsed).toBe("true");
    // No retry policy on the rule: the 429 moves on at once instead of waiting out Retry-After.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(test.fake.requests).toHaveLength(1);
    expect(test.backup.requests).toHaveLength(1);
    expect(third.requests).toHaveLength(1);
    expect(third.requests[0]?.body).toMatchObject({ model: "third-model" });

    const stored = await decision(requestId);
    expect(stored).toMatchObject({
      request_id: requestId,
      rule: "chain",
      strategy: "fallback",
      provider: "third",
      model: "third-model",
      status: 200,
      fallback_used: true,
      attempts: [
        { provider: "openai", model: "gpt-4o-mini", status: 500, error_class: "http_5xx" },
        { provider: "backup", model: "backup-model", status: 429, error_class: "http_429" },
        { provider: "third", model: "third-model", status: 200, error_class: null },
      ],
    });
    const record = await storedRecord(test, requestId);
    expect(record.attempts.map((attempt) => [attempt.provider, attempt.status, attempt.errorClass])).toEqual([
      ["openai", 500, "http_5xx"],
      ["backup", 429, "http_429"],
      ["third", 200, null],
    ]);
  });

  it("answers 502 listing three attempts when all fail, with no provider key in it", async () => {
    // Two of the upstreams repeat the credential they received in their error message.
    test.fake.pushFault({ kind: "echo-credentials", status: 500 });
    test.backup.pushFault({ kind: "rate-limit", retryAfterSeconds: 1 });
    third.pushFault({ kind: "echo-credentials", status: 503 });
    const response = await fetch(`${test.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TEST_KEY}`,
        "content-type": "application/json",
        "floopy-routing-rule": "chain",
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(502);
    const body = JSON.parse(text) as { error: { code: string; attempts: unknown[] } };
    expect(body.error.code).toBe("PROVIDER_ERROR");
    expect(body.error.attempts).toEqual([
      expect.objectContaining({
        provider: "openai",
        model: "gpt-4o-mini",
        status: 500,
        error_class: "http_5xx",
      }),
      expect.objectContaining({
        provider: "backup",
        model: "backup-model",
        status: 429,
        error_class: "http_429",
      }),
      expect.objectContaining({
        provider: "third",
        model: "third-model",
        status: 503,
        error_class: "http_5xx",
      }),
    ]);
    // The echoing fakes did receive their keys; none of them comes back.
    expect(String(test.fake.requests[0]?.headers.authorization)).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(String(third.requests[0]?.headers.authorization)).toBe(`Bearer ${THIRD_KEY}`);
    for (const secret of [PROVIDER_KEY, BACKUP_KEY, THIRD_KEY, TEST_KEY]) {
      expect(text).not.toContain(secret);
      for (const value of response.headers.values()) expect(value).not.toContain(secret);
    }
    const requestId = response.headers.get("floopy-request-id") ?? "";
    const record = await storedRecord(test, requestId);
    expect(record.attempts).toHaveLength(3);
    const stored = JSON.stringify(record);
    for (const secret of [PROVIDER_KEY, BACKUP_KEY, THIRD_KEY]) expect(stored).not.toContain(secret);
  });
});

describe("caller-caused errors", () => {
  it("returns the primary's 400 as-is and sends nothing to the other two", async () => {
    test.fake.pushFault({
      kind: "status",
      status: 400,
      message: "Invalid value for 'temperature': must be at most 2.",
      type: "invalid_request_error",
      code: "invalid_value",
    });
    const error = await test.client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], temperature: 1 },
        { headers: { "floopy-routing-rule": "chain" } },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as APIError;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toContain("Invalid value for 'temperature': must be at most 2.");
    expect(apiError.code).toBe("invalid_value");
    expect(apiError.type).toBe("invalid_request_error");
    expect(test.fake.requests).toHaveLength(1);
    expect(test.backup.requests).toHaveLength(0);
    expect(third.requests).toHaveLength(0);
    const record = await storedRecord(test, apiError.headers?.get("floopy-request-id") ?? "");
    expect(record.status).toBe(400);
    expect(record.attempts.map((attempt) => [attempt.provider, attempt.status, attempt.errorClass])).toEqual([
      ["openai", 400, "http_4xx"],
    ]);
  });
});
