import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.js";

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-test" });
  client = new OpenAI({ baseURL: fake.url, apiKey: "sk-test", maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe("fake OpenAI Responses API through the openai client", () => {
  it("answers a Response the client parses, echoing the request's settings", async () => {
    const response = await client.responses.create({
      model: "gpt-4o-mini",
      instructions: "be brief",
      input: [{ role: "user", content: [{ type: "input_text", text: "hello there" }] }],
      store: true,
      tools: [{ type: "web_search" }],
    });
    expect(response).toMatchObject({ object: "response", status: "completed", model: "gpt-4o-mini" });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe("Echo: hello there");
    expect(response).toMatchObject({ store: true });
    expect(response.tools).toEqual([{ type: "web_search" }]);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    expect(fake.lastRequest()?.path).toBe("/v1/responses");
  });

  it("streams the documented events in order, and function calls when forced", async () => {
    const stream = await client.responses.create({ model: "gpt-4o-mini", input: "a b c", stream: true });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(text).toBe("Echo: a b c");
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(sequence).toEqual(sequence.map((_, index) => index));

    const called = await client.responses.create({
      model: "gpt-4o-mini",
      input: "weather?",
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: false }],
      tool_choice: "required",
    });
    expect(called.output[0]).toMatchObject({ type: "function_call", name: "get_weather", arguments: "{}" });
  });
});
