/**
 * The platform resources through the SDK against a real gateway: a session round trip (three
 * turns, `sessions.get`, a fourth call with the restored messages), feedback (and its duplicate),
 * prompts used through `options.promptId`, an experiment created, measured and rolled back, and
 * a dataset evaluated to completion — camelCase in TypeScript, snake_case on the wire.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestGateway, TEST_KEY, type TestGateway } from "../../gateway/test/support/test-gateway.js";
import { Floopy, FloopyNotFoundError, FloopyValidationError } from "../src/index.js";

let test: TestGateway;
let client: Floopy;

beforeAll(async () => {
  test = await startTestGateway({
    configText: (backupUrl) =>
      [
        "providers:",
        `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
        "routing_rules:",
        "  house: { strategy: fallback, targets: [{ model: openai/gpt-4o-mini }] }",
        "  candidate: { strategy: fallback, targets: [{ model: backup/backup-model }] }",
        "",
      ].join("\n"),
  });
  client = new Floopy({ apiKey: TEST_KEY, baseURL: `${test.gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await test?.close();
});

describe("sessions and feedback", () => {
  it("restores three turns and continues with a fourth", async () => {
    const sessionId = `sdk-${randomBytes(4).toString("hex")}`;
    const headers = { "floopy-session-id": sessionId };
    const messages: Array<{ role: "user" | "assistant"; content: string }> = [];
    let lastId = "";
    for (const text of ["one", "two", "three"]) {
      messages.push({ role: "user", content: text });
      const { data, response } = await client.chat.completions
        .create({ model: "gpt-4o-mini", messages }, { headers })
        .withResponse();
      messages.push({ role: "assistant", content: data.choices[0]?.message.content ?? "" });
      lastId = String(response.headers.get("floopy-request-id"));
    }
    const session = await client.sessions.get(sessionId);
    expect(session.sessionId).toBe(sessionId);
    expect(session.turnCount).toBe(3);
    expect(session.turns.map((turn) => turn.provider)).toEqual(["openai", "openai", "openai"]);
    expect(session.messages).toHaveLength(6);
    const fourth = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [...session.messages, { role: "user", content: "four" }] },
      { headers },
    );
    expect(fourth.choices[0]?.message.content).toBe("Echo: four");
    expect((await client.sessions.get(sessionId)).turnCount).toBe(4);

    const rated = await client.feedback.create({ score: 9, requestId: lastId, useful: true });
    expect(rated).toMatchObject({ duplicate: false, sessionId });
    expect((await client.feedback.create({ score: 2, requestId: lastId })).duplicate).toBe(true);
    expect((await client.feedback.create({ score: 7, sessionId })).duplicate).toBe(false);
    await expect(client.sessions.get("no-such-session")).rejects.toBeInstanceOf(FloopyNotFoundError);
    await expect(client.feedback.create({ score: 12, requestId: lastId })).rejects.toBeInstanceOf(
      FloopyValidationError,
    );
  });
});

describe("prompts", () => {
  it("creates versions and resolves one on a call through options.promptId", async () => {
    const prompt = await client.prompts.create({
      name: `sdk-${randomBytes(4).toString("hex")}`,
      messages: [{ role: "system", content: "You help {{customer}}." }],
      defaults: { customer: "everyone" },
    });
    expect(prompt.version).toBe(1);
    const second = await client.prompts.versions.create(prompt.id, {
      messages: [{ role: "system", content: "Version two helps {{customer}}." }],
    });
    expect(second.version).toBe(2);
    expect((await client.prompts.get(prompt.id)).version).toBe(2);
    expect((await client.prompts.versions.get(prompt.id, 1)).messages[0]).toMatchObject({
      content: "You help {{customer}}.",
    });
    const versions = [];
    for await (const version of client.prompts.versions.iterate(prompt.id, { limit: 1 }))
      versions.push(version.version);
    expect(versions).toEqual([1, 2]);

    const pinned = new Floopy({
      apiKey: TEST_KEY,
      baseURL: `${test.gateway.url}/v1`,
      maxRetries: 0,
      options: { promptId: prompt.id, promptVersion: 1 },
    });
    test.fake.reset();
    await pinned.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(test.fake.lastRequest()?.body).toMatchObject({
      messages: [
        { role: "system", content: "You help everyone." },
        { role: "user", content: "hi" },
      ],
    });
  });
});

describe("experiments", () => {
  it("creates, measures and rolls back an experiment", async () => {
    const experiment = await client.experiments.create({
      name: "sdk experiment",
      variantARoutingRuleId: "house",
      variantBRoutingRuleId: "candidate",
      splitPercentage: 50,
    });
    expect(experiment).toMatchObject({
      status: "active",
      splitPercentage: 50,
      variantBRoutingRuleId: "candidate",
    });
    const providers = new Set<string | null>();
    for (let index = 0; index < 30; index++) {
      const { response } = await client.chat.completions
        .create(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "split" }] },
          { headers: { "floopy-routing-rule": "house", "floopy-session-id": `exp-${index}` } },
        )
        .withResponse();
      providers.add(response.headers.get("floopy-provider"));
    }
    expect(providers).toEqual(new Set(["openai", "backup"]));
    const results = await client.experiments.results(experiment.id);
    expect(results.variantA.sampleSize + results.variantB.sampleSize).toBe(30);
    expect(results.variantA.routingRuleId).toBe("house");
    const rolledBack = await client.experiments.rollback(experiment.id);
    expect(rolledBack.status).toBe("rolled_back");
    expect((await client.experiments.rollback(experiment.id)).status).toBe("rolled_back");
    expect((await client.experiments.list()).items.some((item) => item.id === experiment.id)).toBe(true);
  });
});

describe("datasets and evaluations", () => {
  it("uploads a dataset, runs an evaluation and pages its results", async () => {
    const dataset = await client.datasets.create({
      name: "sdk-eval",
      items: [
        { input: { messages: [{ role: "user", content: "x" }] }, expected: "Echo: x" },
        { input: { messages: [{ role: "user", content: "y" }] }, expected: "nope" },
      ],
    });
    expect(dataset.itemCount).toBe(2);
    const uploaded = await client.datasets.upload("sdk-ndjson", [
      { input: { messages: [{ role: "user", content: "z" }] }, expected: "Echo: z" },
    ]);
    expect(uploaded.itemCount).toBe(1);
    const items = [];
    for await (const item of client.datasets.items(dataset.id)) items.push(item);
    expect(items).toHaveLength(2);

    const run = await client.evaluations.create({
      datasetId: dataset.id,
      model: "gpt-4o-mini",
      config: { scorers: ["exact"], concurrency: 2 },
    });
    expect(run.status).toBe("pending");
    const done = await vi.waitFor(
      async () => {
        const current = await client.evaluations.get(run.id);
        if (current.status !== "completed") throw new Error(current.status);
        return current;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(done.summary).toMatchObject({ items: 2, scored: 2, failed: 0, meanScore: 0.5 });
    const results = [];
    for await (const result of client.evaluations.results(run.id)) results.push(result.score);
    expect(results).toEqual([1, 0]);
  });
});
