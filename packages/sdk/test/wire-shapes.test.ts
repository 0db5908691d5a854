/**
 * The resources whose routes the gateway does not serve yet, against a stub that records the
 * exact wire request (method, path, query, snake_case body, `X-Floopy-Confirm`) and answers
 * INTERFACE.md's shapes: the SDK must send and read exactly those. User data (`defaults`,
 * `inputs`, `metadata`, messages, scorer names) keeps its keys as written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DatasetItemCreate, Floopy, FloopyConflictError, FloopyValidationError } from "../src/index.js";
import { jsonBody, type Stub, type StubAnswer, type StubRequest, startStub } from "./support/stub-server.js";

let stub: Stub;
let client: Floopy;
let answer: StubAnswer | ((request: StubRequest) => StubAnswer) = {};

beforeAll(async () => {
  stub = await startStub((request) => (typeof answer === "function" ? answer(request) : answer));
  client = new Floopy({ apiKey: "fp_wire_shapes", baseURL: stub.baseURL, maxRetries: 0 });
});

beforeEach(() => {
  stub.requests.length = 0;
});

afterAll(async () => {
  await stub.close();
});

function last(): StubRequest {
  const request = stub.requests.at(-1);
  if (!request) throw new Error("no request reached the stub");
  return request;
}

function expectRequest(method: string, path: string, query: Record<string, string> = {}): StubRequest {
  const request = last();
  expect(request.method).toBe(method);
  expect(request.url.pathname).toBe(path);
  expect(Object.fromEntries(request.url.searchParams)).toEqual(query);
  return request;
}

const page = (items: unknown[], next: string | null = null) => ({
  body: { items, next_cursor: next, has_more: next !== null },
});

describe("feedback", () => {
  it("create sends snake_case and reads {duplicate, session_id}", async () => {
    answer = { body: { duplicate: true, session_id: "sess_1" } };
    const result = await client.feedback.create({
      score: 9,
      useful: true,
      requestId: "req_1",
      sessionId: "sess_1",
      comment: "good",
    });
    const request = expectRequest("POST", "/v1/feedback");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(jsonBody(request)).toEqual({
      score: 9,
      useful: true,
      request_id: "req_1",
      session_id: "sess_1",
      comment: "good",
    });
    expect(result).toEqual({ duplicate: true, sessionId: "sess_1" });
  });

  it("leaves out what the caller left out", async () => {
    answer = { body: { duplicate: false, session_id: null } };
    await client.feedback.create({ score: 0 });
    expect(jsonBody(last())).toEqual({ score: 0 });
  });
});

describe("sessions", () => {
  it("get reads the conversation, messages untouched", async () => {
    const messages = [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello", tool_calls: undefined },
    ];
    answer = {
      body: {
        session_id: "sess/1",
        messages,
        turn_count: 1,
        turns: [{ request_id: "req_1", created_at: "2026-01-01T00:00:00.000Z", model: "m", provider: "p" }],
      },
    };
    const session = await client.sessions.get("sess/1");
    expectRequest("GET", "/v1/sessions/sess%2F1");
    expect(session).toEqual({
      sessionId: "sess/1",
      messages: JSON.parse(JSON.stringify(messages)),
      turnCount: 1,
      turns: [{ requestId: "req_1", createdAt: "2026-01-01T00:00:00.000Z", model: "m", provider: "p" }],
    });
  });
});

const PROMPT = {
  id: "prm_1",
  name: "greeting",
  version: 1,
  messages: [{ role: "system", content: "You are {{ persona_name }}." }],
  model: "gpt-4o-mini",
  defaults: { persona_name: "a helpful assistant" },
  created_at: "2026-01-01T00:00:00.000Z",
};

describe("prompts", () => {
  it("create sends the prompt with defaults' keys as written", async () => {
    answer = { status: 201, body: PROMPT };
    const prompt = await client.prompts.create({
      name: "greeting",
      messages: [{ role: "system", content: "You are {{ persona_name }}." }],
      model: "gpt-4o-mini",
      defaults: { persona_name: "a helpful assistant" },
      description: "greets",
    });
    expect(jsonBody(expectRequest("POST", "/v1/prompts"))).toEqual({
      name: "greeting",
      messages: [{ role: "system", content: "You are {{ persona_name }}." }],
      model: "gpt-4o-mini",
      defaults: { persona_name: "a helpful assistant" },
      description: "greets",
    });
    expect(prompt).toEqual({
      id: "prm_1",
      name: "greeting",
      version: 1,
      messages: PROMPT.messages,
      model: "gpt-4o-mini",
      defaults: { persona_name: "a helpful assistant" },
      createdAt: "2026-01-01T00:00:00.000Z",
    });
  });

  it("list, iterate and get", async () => {
    answer = (request) =>
      request.url.searchParams.get("cursor") === "c2"
        ? page([{ ...PROMPT, id: "prm_2" }])
        : page([PROMPT], "c2");
    const first = await client.prompts.list({ limit: 1 });
    expectRequest("GET", "/v1/prompts", { limit: "1" });
    expect(first).toMatchObject({ nextCursor: "c2", hasMore: true });
    expect(first.items[0]?.createdAt).toBe(PROMPT.created_at);
    const ids: string[] = [];
    for await (const prompt of client.prompts.iterate({ limit: 1 })) ids.push(prompt.id);
    expect(ids).toEqual(["prm_1", "prm_2"]);
    expectRequest("GET", "/v1/prompts", { limit: "1", cursor: "c2" });
    answer = { body: PROMPT };
    await client.prompts.get("prm_1");
    expectRequest("GET", "/v1/prompts/prm_1");
  });

  it("versions create, list, iterate, get", async () => {
    answer = { status: 201, body: { ...PROMPT, version: 2, model: null, defaults: null } };
    const version = await client.prompts.versions.create("prm_1", {
      messages: [{ role: "user", content: "{{question}}" }],
    });
    expect(jsonBody(expectRequest("POST", "/v1/prompts/prm_1/versions"))).toEqual({
      messages: [{ role: "user", content: "{{question}}" }],
    });
    expect(version).toMatchObject({ version: 2, model: null, defaults: null });
    answer = page([{ version: 1, messages: [], model: null, defaults: null, created_at: "t" }]);
    const versions = await client.prompts.versions.list("prm_1");
    expectRequest("GET", "/v1/prompts/prm_1/versions");
    expect(versions.items[0]).toEqual({
      version: 1,
      messages: [],
      model: null,
      defaults: null,
      createdAt: "t",
    });
    const all = [];
    for await (const item of client.prompts.versions.iterate("prm_1")) all.push(item);
    expect(all).toHaveLength(1);
    answer = { body: { ...PROMPT, version: 1 } };
    await client.prompts.versions.get("prm_1", 1);
    expectRequest("GET", "/v1/prompts/prm_1/versions/1");
  });
});

const EXPERIMENT = {
  id: "exp_1",
  name: "cheaper",
  description: null,
  variant_a_routing_rule_id: "resilient",
  variant_b_routing_rule_id: "cheap",
  split_percentage: 10,
  status: "active",
  created_at: "2026-01-01T00:00:00.000Z",
};

describe("experiments", () => {
  it("create sends X-Floopy-Confirm: experiments and the snake_case body", async () => {
    answer = { status: 201, body: EXPERIMENT };
    const experiment = await client.experiments.create({
      name: "cheaper",
      variantARoutingRuleId: "resilient",
      variantBRoutingRuleId: "cheap",
      splitPercentage: 10,
    });
    const request = expectRequest("POST", "/v1/experiments");
    expect(request.headers["x-floopy-confirm"]).toBe("experiments");
    expect(jsonBody(request)).toEqual({
      name: "cheaper",
      variant_a_routing_rule_id: "resilient",
      variant_b_routing_rule_id: "cheap",
      split_percentage: 10,
    });
    expect(experiment).toEqual({
      id: "exp_1",
      name: "cheaper",
      description: null,
      variantARoutingRuleId: "resilient",
      variantBRoutingRuleId: "cheap",
      splitPercentage: 10,
      status: "active",
      createdAt: "2026-01-01T00:00:00.000Z",
    });
  });

  it("a missing confirmation is the gateway's 400 confirmation_required, a FloopyValidationError", async () => {
    answer = { status: 400, body: { error: { code: "confirmation_required", message: "Confirm." } } };
    await expect(client.experiments.rollback("exp_1")).rejects.toBeInstanceOf(FloopyValidationError);
  });

  it("list, iterate, get, results", async () => {
    answer = page([EXPERIMENT]);
    const listed = await client.experiments.list();
    expectRequest("GET", "/v1/experiments");
    expect(listed.items[0]?.variantBRoutingRuleId).toBe("cheap");
    for await (const experiment of client.experiments.iterate()) expect(experiment.id).toBe("exp_1");
    answer = { body: EXPERIMENT };
    await client.experiments.get("exp_1");
    const get = expectRequest("GET", "/v1/experiments/exp_1");
    expect(get.headers["x-floopy-confirm"]).toBeUndefined();
    const variant = (rule: string) => ({
      routing_rule_id: rule,
      sample_size: 120,
      success_rate: 0.98,
      average_latency_ms: 312.5,
      average_cost_micro_usd: 41,
    });
    answer = {
      body: {
        experiment_id: "exp_1",
        variant_a: variant("resilient"),
        variant_b: variant("cheap"),
        winner: null,
        computed_at: "2026-01-02T00:00:00.000Z",
      },
    };
    const results = await client.experiments.results("exp_1");
    expectRequest("GET", "/v1/experiments/exp_1/results");
    expect(results).toEqual({
      experimentId: "exp_1",
      variantA: {
        routingRuleId: "resilient",
        sampleSize: 120,
        successRate: 0.98,
        averageLatencyMs: 312.5,
        averageCostMicroUsd: 41,
      },
      variantB: {
        routingRuleId: "cheap",
        sampleSize: 120,
        successRate: 0.98,
        averageLatencyMs: 312.5,
        averageCostMicroUsd: 41,
      },
      winner: null,
      computedAt: "2026-01-02T00:00:00.000Z",
    });
  });

  it("rollback sends X-Floopy-Confirm: experiments and answers the experiment", async () => {
    answer = { body: { ...EXPERIMENT, status: "rolled_back" } };
    const experiment = await client.experiments.rollback("exp_1");
    const request = expectRequest("POST", "/v1/experiments/exp_1/rollback");
    expect(request.headers["x-floopy-confirm"]).toBe("experiments");
    expect(experiment.status).toBe("rolled_back");
  });
});

const DATASET = { id: "ds_1", name: "capitals", item_count: 2, created_at: "2026-01-01T00:00:00.000Z" };
const ITEMS: DatasetItemCreate[] = [
  { input: { messages: [{ role: "user", content: "Capital of France?" }] }, expected: "Paris" },
  { input: { inputs: { country_name: "Italy" } }, expected: { city_name: "Rome" } },
];

describe("datasets", () => {
  it("create sends JSON with the items exactly as given", async () => {
    answer = { status: 201, body: DATASET };
    const dataset = await client.datasets.create({ name: "capitals", items: ITEMS });
    const request = expectRequest("POST", "/v1/datasets");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(jsonBody(request)).toEqual({ name: "capitals", items: ITEMS });
    expect(dataset).toEqual({ id: "ds_1", name: "capitals", itemCount: 2, createdAt: DATASET.created_at });
  });

  it("upload sends NDJSON, one item a line, with ?name=", async () => {
    answer = { status: 201, body: DATASET };
    await client.datasets.upload("capitals", ITEMS);
    const request = expectRequest("POST", "/v1/datasets", { name: "capitals" });
    expect(request.headers["content-type"]).toBe("application/x-ndjson");
    expect(request.body).toBe(ITEMS.map((item) => `${JSON.stringify(item)}\n`).join(""));
    // An async iterable and a ready string work too.
    async function* generated() {
      yield* ITEMS;
    }
    await client.datasets.upload("capitals", generated());
    expect(last().body).toBe(request.body);
    await client.datasets.upload("capitals", '{"input":{}}\n');
    expect(last().body).toBe('{"input":{}}\n');
  });

  it("list, iterate, get, items, iterateItems", async () => {
    answer = page([DATASET]);
    const listed = await client.datasets.list({ limit: 5 });
    expectRequest("GET", "/v1/datasets", { limit: "5" });
    expect(listed.items[0]?.itemCount).toBe(2);
    for await (const dataset of client.datasets.iterate()) expect(dataset.id).toBe("ds_1");
    answer = { body: DATASET };
    await client.datasets.get("ds_1");
    expectRequest("GET", "/v1/datasets/ds_1");
    answer = page([{ id: "it_1", dataset_id: "ds_1", ...ITEMS[1], created_at: "t" }]);
    const items = await client.datasets.items("ds_1", { limit: 1 });
    expectRequest("GET", "/v1/datasets/ds_1/items", { limit: "1" });
    expect(items.items[0]).toEqual({ id: "it_1", datasetId: "ds_1", ...ITEMS[1], createdAt: "t" });
    const all = [];
    for await (const item of client.datasets.iterateItems("ds_1")) all.push(item);
    expect(all).toHaveLength(1);
  });
});

const RUN = {
  id: "run_1",
  dataset_id: "ds_1",
  model: "gpt-4o-mini",
  prompt_id: null,
  status: "completed",
  config: { scorers: ["contains", "regex:^Par"], judge_model: null, concurrency: 4, max_cost_usd: 1.5 },
  created_at: "2026-01-01T00:00:00.000Z",
  started_at: "2026-01-01T00:00:01.000Z",
  finished_at: "2026-01-01T00:00:09.000Z",
  summary: { mean_score: 0.5, items: 2, scored: 2, failed: 0, cost_usd: 0.0012 },
};

describe("evaluations", () => {
  it("create sends the config snake_cased, scorer names untouched", async () => {
    answer = { status: 201, body: { ...RUN, status: "pending", summary: null } };
    const run = await client.evaluations.create({
      datasetId: "ds_1",
      model: "gpt-4o-mini",
      promptId: "prm_1",
      config: { scorers: ["contains", "regex:^Par", "json_valid"], judgeModel: "gpt-4o", maxCostUsd: 1.5 },
    });
    expect(jsonBody(expectRequest("POST", "/v1/evaluations"))).toEqual({
      dataset_id: "ds_1",
      model: "gpt-4o-mini",
      prompt_id: "prm_1",
      config: { scorers: ["contains", "regex:^Par", "json_valid"], judge_model: "gpt-4o", max_cost_usd: 1.5 },
    });
    expect(run).toMatchObject({ id: "run_1", datasetId: "ds_1", status: "pending", summary: null });
    expect(run.config).toEqual({
      scorers: ["contains", "regex:^Par"],
      judgeModel: null,
      concurrency: 4,
      maxCostUsd: 1.5,
    });
  });

  it("get reads the summary", async () => {
    answer = { body: RUN };
    const run = await client.evaluations.get("run_1");
    expectRequest("GET", "/v1/evaluations/run_1");
    expect(run.summary).toEqual({ meanScore: 0.5, items: 2, scored: 2, failed: 0, costUsd: 0.0012 });
    expect(run).toMatchObject({ startedAt: RUN.started_at, finishedAt: RUN.finished_at, promptId: null });
  });

  it("results pages, metadata untouched", async () => {
    const result = (id: string) => ({
      id,
      run_id: "run_1",
      input_id: "it_1",
      output: "Paris",
      score: 1,
      metadata: { scorer_detail: { matched_text: "Paris" } },
      created_at: "t",
    });
    answer = (request) =>
      request.url.searchParams.get("cursor") === "n" ? page([result("r2")]) : page([result("r1")], "n");
    const first = await client.evaluations.results("run_1");
    expectRequest("GET", "/v1/evaluations/run_1/results");
    expect(first.items[0]).toEqual({
      id: "r1",
      runId: "run_1",
      inputId: "it_1",
      output: "Paris",
      score: 1,
      metadata: { scorer_detail: { matched_text: "Paris" } },
      createdAt: "t",
    });
    const ids: string[] = [];
    for await (const item of client.evaluations.results("run_1")) ids.push(item.id);
    expect(ids).toEqual(["r1", "r2"]);
    const again: string[] = [];
    for await (const item of client.evaluations.iterateResults("run_1", { limit: 1 })) again.push(item.id);
    expect(again).toEqual(["r1", "r2"]);
    expectRequest("GET", "/v1/evaluations/run_1/results", { limit: "1", cursor: "n" });
  });

  it("cancel posts, and cancelling a finished run is a FloopyConflictError", async () => {
    answer = { body: { ...RUN, status: "cancelled" } };
    const run = await client.evaluations.cancel("run_1");
    expectRequest("POST", "/v1/evaluations/run_1/cancel");
    expect(run.status).toBe("cancelled");
    answer = { status: 409, body: { error: { code: "conflict", message: "The run has finished." } } };
    await expect(client.evaluations.cancel("run_1")).rejects.toBeInstanceOf(FloopyConflictError);
  });

  it("list and iterate", async () => {
    answer = page([RUN]);
    const listed = await client.evaluations.list();
    expectRequest("GET", "/v1/evaluations");
    expect(listed.items[0]?.summary?.meanScore).toBe(0.5);
    for await (const run of client.evaluations.iterate()) expect(run.id).toBe("run_1");
  });
});

describe("options on own resources", () => {
  it("a call's options become Floopy-* headers", async () => {
    answer = { body: { duplicate: false, session_id: null } };
    await client.feedback.create(
      { score: 5 },
      { options: { promptId: "prm_1", promptVersion: 3, cache: { enabled: false } } },
    );
    expect(last().headers).toMatchObject({
      "floopy-prompt-id": "prm_1",
      "floopy-prompt-version": "3",
      "floopy-cache-enabled": "false",
    });
  });
});
