/**
 * Feedback end to end (INTERFACE.md `POST /v1/feedback`): one per request or session, a repeat
 * answering `duplicate: true`; accepted the moment an answer is out, before its record is flushed
 * (the flush timer is set to a minute here); for a session, or the key's most recent session;
 * another org's request is the same 404 as a missing one; and it moves routing: with two targets
 * under `feedback_driven`, consistently better scores for one send most traffic to it within a
 * bounded number of requests, on this instance at once and on another reading the same store.
 */
import { createHash, randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedbackSync } from "../src/routing/feedback-sync.js";
import { TargetStatisticsBook } from "../src/routing/target-stats.js";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;
const BACKUP_KEY = "sk-backup-secret-1234567890";

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    env: { FLOOPY_RECORD_FLUSH_INTERVAL_MS: "60000" },
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: ${BACKUP_KEY}, models: [fb-model] }`,
        "models:",
        // Its own model names: the statistics are per provider/model, so no other traffic moves them.
        "  openai/fb-model: { pricing: { input: 1, output: 1 } }",
        "  backup/fb-model: { pricing: { input: 1, output: 1 } }",
        "routing_rules:",
        "  learn:",
        "    strategy: feedback_driven",
        "    targets: [{ model: openai/fb-model }, { model: backup/fb-model }]",
        "keys:",
        `  - { name: rater, hash: "${hash(key)}", org: feedback-org }`,
        `  - { name: other, hash: "${hash(otherKey)}", org: feedback-other }`,
        "",
      ].join("\n"),
  });
  test.gateway.services.random = seeded(0xfeed);
});

afterAll(async () => {
  await test?.close();
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

async function chat(as: string, headers: Record<string, string> = {}, model = "gpt-4o-mini") {
  const answer = await fetch(`${test.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${as}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "rate me" }] }),
  });
  expect(answer.status).toBe(200);
  await answer.arrayBuffer();
  return {
    id: String(answer.headers.get("floopy-request-id")),
    provider: String(answer.headers.get("floopy-provider")),
  };
}

async function feedback(as: string, body: unknown) {
  const answer = await fetch(`${test.gateway.url}/v1/feedback`, {
    method: "POST",
    headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: answer.status,
    body: (await answer.json()) as Record<string, unknown> & { error?: { code: string } },
  };
}

describe("feedback", () => {
  it("takes one feedback per request, at once, and answers a repeat as a duplicate", async () => {
    const session = `s-${randomBytes(4).toString("hex")}`;
    const { id } = await chat(key, { "floopy-session-id": session });
    const first = await feedback(key, { request_id: id, score: 8, useful: true, comment: "good" });
    expect(first).toEqual({
      status: 201,
      body: { object: "feedback", duplicate: false, request_id: id, session_id: session },
    });
    const again = await feedback(key, { request_id: id, score: 2 });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
  });

  it("takes feedback for a session, or the key's most recent session, once", async () => {
    const session = `s-${randomBytes(4).toString("hex")}`;
    await chat(key, { "floopy-session-id": session });
    await chat(key, { "floopy-session-id": session });
    const first = await feedback(key, { score: 7 });
    expect(first).toMatchObject({
      status: 201,
      body: { duplicate: false, session_id: session, request_id: null },
    });
    const named = await feedback(key, { session_id: session, score: 1 });
    expect(named).toMatchObject({ status: 200, body: { duplicate: true, session_id: session } });
  });

  it("answers another org's request as a missing one, and refuses what is not feedback", async () => {
    const { id } = await chat(key);
    const foreign = await feedback(otherKey, { request_id: id, score: 5 });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error?.code).toBe("not_found");
    const missingId = "0190f0e0-0000-7000-8000-000000000000";
    const missing = await feedback(otherKey, { request_id: missingId, score: 5 });
    expect(JSON.stringify(missing.body).replace(missingId, "X")).toBe(
      JSON.stringify(foreign.body).replace(id, "X"),
    );
    expect((await feedback(key, { request_id: "not-an-id", score: 5 })).body.error?.code).toBe(
      "invalid_request_id",
    );
    expect((await feedback(key, { request_id: id, score: 11 })).body.error?.code).toBe("invalid_body");
    expect((await feedback(key, { request_id: id, score: 5, stars: 3 })).body.error?.code).toBe(
      "invalid_body",
    );
    expect((await feedback(otherKey, { score: 5 })).status).toBe(404);
  });

  it("moves feedback_driven routing to the target with better scores, here and on an instance reading the same store", async () => {
    const rule = { "floopy-routing-rule": "learn" };
    const served = { openai: 0, backup: 0 };
    // Learning: every answer is rated, the backup's well and openai's badly.
    for (let index = 0; index < 30; index++) {
      const { id, provider } = await chat(key, rule);
      const rated = await feedback(key, { request_id: id, score: provider === "backup" ? 9 : 1 });
      expect(rated.status).toBe(201);
      served[provider as keyof typeof served]++;
    }
    expect(served.backup).toBeGreaterThan(0);
    // After it: nearly everything goes to the better-rated target (5 % exploration aside).
    const after = { openai: 0, backup: 0 };
    for (let index = 0; index < 40; index++) {
      const { provider } = await chat(key, rule);
      after[provider as keyof typeof after]++;
    }
    expect(after.backup).toBeGreaterThanOrEqual(34);

    // Another instance learns the same scores from the store alone.
    const elsewhere = new TargetStatisticsBook();
    const sync = new FeedbackSync({
      store: test.gateway.stores.sessions,
      stats: elsewhere,
      pollMs: 60_000,
      logger: pino({ level: "silent" }),
    });
    await sync.sync();
    expect(elsewhere.get("backup/fb-model").feedbackScore).toBeCloseTo(0.9, 5);
    expect(elsewhere.get("openai/fb-model").feedbackScore).toBeCloseTo(0.1, 5);
    expect(elsewhere.get("openai/fb-model").feedbackScore).toBe(
      test.gateway.services.targetStats.get("openai/fb-model").feedbackScore,
    );
    // Read again, nothing is counted twice.
    const samples = elsewhere.get("backup/fb-model").feedbackSamples;
    await sync.sync();
    expect(elsewhere.get("backup/fb-model").feedbackSamples).toBe(samples);
  });
});
