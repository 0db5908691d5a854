/**
 * The model routes of every protocol, through each official SDK's own `models.list()` and
 * `models.get()/retrieve()`: answered in that SDK's shape with what the upstreams really serve
 * (asked of the fakes' model-list endpoints with the provider's credential), the catalogue
 * standing in for a provider that is slow or fails, and the lists cached for a TTL.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { RecordedRequest } from "@floopy/testkit";
import { ApiError, GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ANTHROPIC_PROVIDER_KEY,
  GEMINI_PROVIDER_KEY,
  type MatrixGateway,
  startMatrixGateway,
} from "./support/matrix-gateway.js";
import { PROVIDER_KEY, TEST_KEY } from "./support/test-gateway.js";

let test: MatrixGateway;
/** What each fake received for the gateway's first model list (later lists come from the cache). */
let firstListing: Record<"openai" | "anthropic" | "google", RecordedRequest[]>;

beforeAll(async () => {
  test = await startMatrixGateway();
  await test.client.models.list();
  firstListing = {
    openai: [...test.fake.requests],
    anthropic: [...test.anthropicFake.requests],
    google: [...test.geminiFake.requests],
  };
});
afterAll(async () => {
  await test?.close();
});
beforeEach(() => {
  test.fake.reset();
  test.anthropicFake.reset();
  test.geminiFake.reset();
});

describe("asking the providers", () => {
  it("calls each provider's own model-list endpoint, with the provider's credential", () => {
    const seen = (requests: RecordedRequest[]) =>
      requests.map((request) => `${request.method} ${request.path}`);
    expect(seen(firstListing.openai)).toEqual(["GET /v1/models"]);
    expect(firstListing.openai[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(seen(firstListing.anthropic)).toEqual(["GET /v1/models"]);
    expect(firstListing.anthropic[0]?.headers["x-api-key"]).toBe(ANTHROPIC_PROVIDER_KEY);
    expect(firstListing.anthropic[0]?.headers["anthropic-version"]).toBeDefined();
    expect(seen(firstListing.google)).toEqual(["GET /v1beta/models"]);
    expect(firstListing.google[0]?.headers["x-goog-api-key"]).toBe(GEMINI_PROVIDER_KEY);
    // Marked with this gateway's hop, so a base URL pointing back at it is refused, not looped.
    const instance = test.gateway.services.instanceId;
    expect(firstListing.openai[0]?.headers["floopy-hop"]).toBe(`${instance}:openai`);
    expect(firstListing.anthropic[0]?.headers["floopy-hop"]).toBe(`${instance}:anthropic`);
    // Never the caller's key.
    expect(
      JSON.stringify(
        [firstListing.openai, firstListing.anthropic, firstListing.google].flat().map((r) => r.headers),
      ),
    ).not.toContain(TEST_KEY);
  });
});

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

describe("the Anthropic SDK's models", () => {
  it("lists every provider's served models in Anthropic's paged shape", async () => {
    const first = await test.anthropic.models.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.data[0]).toMatchObject({ type: "model" });
    expect(typeof first.data[0]?.display_name).toBe("string");
    expect(Date.parse(first.data[0]?.created_at ?? "")).not.toBeNaN();
    expect(first.has_more).toBe(true);

    const all = await collect(test.anthropic.models.list({ limit: 3 }));
    const ids = all.map((model) => model.id);
    // What the Anthropic fake lists, under the names a caller sends, with its display names.
    expect(ids).toEqual(expect.arrayContaining(["claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"]));
    expect(all.find((model) => model.id === "claude-sonnet-4-6")?.display_name).toBe("Claude Sonnet 4.6");
    // The catalogue's Anthropic models are not listed: Anthropic itself was asked.
    expect(ids).not.toContain("claude-opus-4-7");
    // Other providers' models too: any model is reachable from any SDK.
    expect(ids).toEqual(expect.arrayContaining(["gpt-4o-mini", "gemini-2.5-flash"]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("retrieves one model, and answers an unknown one with Anthropic's 404", async () => {
    const model = await test.anthropic.models.retrieve("claude-haiku-4-5");
    expect(model).toMatchObject({ type: "model", id: "claude-haiku-4-5", display_name: "Claude Haiku 4.5" });
    const error = await test.anthropic.models.retrieve("claude-nope").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: "error" });
  });

  it("gets Anthropic-shaped 401s for a bad key", async () => {
    const wrong = new Anthropic({ baseURL: test.gateway.url, apiKey: "fp_wrong", maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe("the @google/genai SDK's models", () => {
  it("lists every provider's served models in Gemini's shape, paged", async () => {
    const pager = await test.gemini.models.list({ config: { pageSize: 3 } });
    const models = await collect(pager);
    const names = models.map((model) => model.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "models/gemini-2.5-flash",
        "models/gemini-2.5-pro",
        "models/claude-sonnet-4-6",
      ]),
    );
    // The catalogue's Gemini models are not listed: Google itself was asked.
    expect(names).not.toContain("models/gemini-2.5-flash-lite");
    const pro = models.find((model) => model.name === "models/gemini-2.5-pro");
    expect(pro?.displayName).toBe("Gemini 2.5 Pro");
    expect(pro?.inputTokenLimit).toBeGreaterThan(0);
    expect(pro?.supportedActions).toContain("generateContent");
  });

  it("is answered under /v1/models too, told apart by its x-goog-api-key", async () => {
    const v1 = new GoogleGenAI({
      apiKey: TEST_KEY,
      apiVersion: "v1",
      httpOptions: { baseUrl: test.gateway.url },
    });
    const models = await collect(await v1.models.list());
    expect(models.map((model) => model.name)).toContain("models/gemini-2.5-flash");
    const model = await v1.models.get({ model: "gpt-4o-mini" });
    expect(model.name).toBe("models/gpt-4o-mini");
  });

  it("gets one model, and a Gemini-shaped 404 or 401", async () => {
    const model = await test.gemini.models.get({ model: "gemini-2.5-flash" });
    expect(model).toMatchObject({ name: "models/gemini-2.5-flash", displayName: "Gemini 2.5 Flash" });
    const missing = await test.gemini.models.get({ model: "gemini-nope" }).catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).status).toBe(404);
    const wrong = new GoogleGenAI({ apiKey: "fp_wrong", httpOptions: { baseUrl: test.gateway.url } });
    const denied = await wrong.models.list().catch((caught: unknown) => caught);
    expect(denied).toBeInstanceOf(ApiError);
    expect((denied as ApiError).status).toBe(401);
    expect((denied as ApiError).message).not.toMatch(/Bearer/);
  });
});

describe("the openai SDK's models on the same gateway", () => {
  it("lists every provider's models in OpenAI's shape", async () => {
    const page = await test.client.models.list();
    expect(page.data.find((model) => model.id === "claude-sonnet-4-6")).toMatchObject({
      object: "model",
      owned_by: "anthropic",
    });
    expect(page.data.map((model) => model.id)).toContain("gemini-2.5-flash");
  });
});

describe("a provider that is slow, fails or goes stale", () => {
  let slow: MatrixGateway;

  beforeAll(async () => {
    slow = await startMatrixGateway({
      FLOOPY_MODEL_LIST_TIMEOUT_MS: "200",
      FLOOPY_MODEL_LIST_TTL_MS: "60000",
    });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it("answers from the catalogue while a slow list is fetched, then from the provider", async () => {
    slow.anthropicFake.pushFault({ kind: "slow-first-byte", delayMs: 1_500 });
    slow.geminiFake.pushFault({ kind: "status", status: 500 });
    const first = (await slow.client.models.list()).data.map((model) => model.id);
    // Anthropic has not answered yet and Gemini failed: their catalogue models stand in.
    expect(first).toContain("claude-opus-4-7");
    expect(first).toContain("gemini-2.5-flash-lite");
    // OpenAI answered at once: only what it lists.
    expect(first).not.toContain("gpt-5");
    // The slow answer lands in the cache in the background.
    await vi.waitFor(
      async () => {
        const ids = (await slow.client.models.list()).data.map((model) => model.id);
        expect(ids).not.toContain("claude-opus-4-7");
        expect(ids).toContain("claude-haiku-4-5");
      },
      { timeout: 10_000, interval: 100 },
    );
  });
});

describe("the TTL", () => {
  let quick: MatrixGateway;

  beforeAll(async () => {
    quick = await startMatrixGateway({ FLOOPY_MODEL_LIST_TTL_MS: "1" });
  });
  afterAll(async () => {
    await quick?.close();
  });

  it("asks the providers again once it has passed", async () => {
    await quick.client.models.list();
    await vi.waitFor(async () => {
      await quick.client.models.list();
      expect(
        quick.fake.requests.filter((request) => request.path === "/v1/models").length,
      ).toBeGreaterThanOrEqual(2);
    });
  });
});
