/**
 * Chain, `floopy-fallback` and routing-rule members that cannot be tried on this gateway (their
 * provider is not enabled, their model is unknown) are skipped and recorded, never the reason a
 * request its other members can answer fails. Only OpenAI (the fake) and the test providers are
 * enabled here; `mistral-small-latest` is Mistral's, which is not.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestGateway, storedRecord, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

let test: TestGateway;
let dataDir: string;
const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;

const providersWith = (backupUrl: string, extra: string[] = []) =>
  [
    "providers:",
    `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
    ...extra,
    "",
  ].join("\n");

beforeAll(async () => {
  // A rule made through the admin API while provider `gone` was enabled; the gateway that serves
  // the tests below starts on the same database without it, so the rule's first target is unusable.
  dataDir = mkdtempSync(join(tmpdir(), "floopy-unusable-"));
  const env = { FLOOPY_DATA_DIR: dataDir, FLOOPY_ADMIN_KEY: ADMIN_KEY, FLOOPY_BREAKER_MIN_REQUESTS: "1000" };
  const before = await startTestGateway({
    env,
    configText: (backupUrl) =>
      providersWith(backupUrl, [
        `  gone: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-gone-secret-1234567890, models: [gone-model] }`,
      ]),
  });
  const created = await fetch(`${before.gateway.url}/admin/routing_rules`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      "content-type": "application/json",
      "x-floopy-confirm": "routing_rules",
    },
    body: JSON.stringify({
      name: "stale",
      strategy: "fallback",
      targets: [{ model: "gone/gone-model" }, { model: "backup/backup-model" }],
    }),
  });
  expect(created.status).toBe(201);
  await before.close();
  test = await startTestGateway({ env, configText: (backupUrl) => providersWith(backupUrl) });
});
beforeEach(() => {
  test.fake.reset();
  test.backup.reset();
});
afterAll(async () => {
  await test?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const messages = [{ role: "user" as const, content: "hi" }];

async function decisionOf(requestId: string) {
  return (await storedRecord(test, requestId)).decision;
}

describe("a chain member that cannot be tried", () => {
  it("answers the README's example from the primary, JSON, and records the skip", async () => {
    const { data, response } = await test.client.chat.completions
      .create({ model: "gpt-4o-mini,mistral-small-latest", messages })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("openai");
    expect(response.headers.get("floopy-fallback-used")).toBe("false");
    const decision = await decisionOf(response.headers.get("floopy-request-id") ?? "");
    expect(decision?.candidates).toMatchObject([
      { provider: "openai", model: "gpt-4o-mini", source: "model", skipped: null },
      { provider: null, model: "mistral-small-latest", source: "model", skipped: "provider_not_enabled" },
    ]);
    expect(decision?.candidates[1]?.detail).toContain("mistral");
  });

  it("answers the README's example from the primary, streamed", async () => {
    const { data: stream, response } = await test.client.chat.completions
      .create({ model: "gpt-4o-mini,mistral-small-latest", messages, stream: true })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("openai");
  });

  it("skips an unusable first member and one in floopy-fallback, and still fails over", async () => {
    test.fake.pushFault({ kind: "status", status: 503 });
    const { data: stream, response } = await test.client.chat.completions
      .create(
        { model: "mistral-small-latest,gpt-4o-mini", messages, stream: true },
        { headers: { "floopy-fallback": "no-such-model-anywhere, backup/backup-model" } },
      )
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
    expect(test.fake.requests.length).toBe(1);
    const decision = await decisionOf(response.headers.get("floopy-request-id") ?? "");
    expect(decision?.candidates.map((candidate) => [candidate.model, candidate.skipped])).toEqual([
      ["mistral-small-latest", "provider_not_enabled"],
      ["gpt-4o-mini", null],
      ["no-such-model-anywhere", "unknown_model"],
      ["backup-model", null],
    ]);
  });

  it("is an error only when no member can be tried, naming the first model", async () => {
    const error = await test.client.chat.completions
      .create({ model: "mistral-small-latest,no-such-model-anywhere", messages })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const notFound = error as InstanceType<typeof OpenAI.NotFoundError>;
    expect(notFound.message).toContain("mistral-small-latest");
    expect(notFound.param).toBe("model");
    expect(notFound.code).toBe("model_not_found");
    const fallbackOnly = await test.client.chat.completions
      .create(
        { model: "no-such-model-anywhere", messages },
        { headers: { "floopy-fallback": "mistral-large-latest" } },
      )
      .catch((caught: unknown) => caught);
    expect(fallbackOnly).toBeInstanceOf(OpenAI.NotFoundError);
    expect((fallbackOnly as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(
      "no-such-model-anywhere",
    );
    expect(test.fake.requests.length + test.backup.requests.length).toBe(0);
  });

  it("skips a routing rule's target whose provider is no longer configured", async () => {
    const { data, response } = await test.client.chat.completions
      .create({ model: "gpt-4o-mini", messages }, { headers: { "floopy-routing-rule": "stale" } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("backup");
    const decision = await decisionOf(response.headers.get("floopy-request-id") ?? "");
    expect(decision?.candidates).toMatchObject([
      { provider: "backup", source: "rule", skipped: null },
      {
        provider: null,
        model: "gone/gone-model",
        source: "rule",
        skipped: "unknown_model",
      },
      { provider: "openai", source: "model", skipped: null },
    ]);
  });

  it("shows the skip in POST /v1/routing/explain", async () => {
    const response = await fetch(`${test.gateway.url}/v1/routing/explain`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini,mistral-small-latest", messages }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      would_select: { provider: string; model: string } | null;
      reasoning: string;
      candidates: Array<Record<string, unknown>>;
      order: Array<{ provider: string; model: string }>;
    };
    expect(body.would_select).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(body.candidates[1]).toMatchObject({
      provider: null,
      model: "mistral-small-latest",
      skipped: "provider_not_enabled",
      circuit: null,
    });
    expect(body.order).toEqual([{ provider: "openai", model: "gpt-4o-mini" }]);
    expect(body.reasoning).toContain("mistral-small-latest is skipped");
    expect(test.fake.requests.length).toBe(0);
  });
});
