import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "./fake-anthropic.js";

let fake: FakeAnthropic;
let client: Anthropic;
const models = ["claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"];

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: "sk-ant-test", models });
  client = new Anthropic({ baseURL: fake.url, apiKey: "sk-ant-test", maxRetries: 0 });
});
afterAll(() => fake.close());

describe("fake Anthropic model list through @anthropic-ai/sdk", () => {
  it("lists every model across pages, in Anthropic's paged shape", async () => {
    const first = await client.models.list({ limit: 2 });
    expect(first.data.map((model) => model.id)).toEqual(models.slice(0, 2));
    expect(first.data[0]).toMatchObject({ type: "model", display_name: "Claude Opus 4.6" });
    expect(Date.parse(first.data[0]?.created_at ?? "")).not.toBeNaN();
    expect(first.has_more).toBe(true);
    expect(fake.lastRequest()?.query.get("limit")).toBe("2");
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 2 })) ids.push(model.id);
    expect(ids).toEqual(models);
  });

  it("retrieves one model and answers 404 for an unknown one", async () => {
    const model = await client.models.retrieve("claude-haiku-4-5");
    expect(model).toMatchObject({ type: "model", id: "claude-haiku-4-5", display_name: "Claude Haiku 4.5" });
    await expect(client.models.retrieve("claude-nope")).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});
