import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "./fake-anthropic.js";

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: "sk-ant-test" });
  client = new Anthropic({ baseURL: fake.url, apiKey: "sk-ant-test", maxRetries: 0 });
});
afterAll(() => fake.close());

const ask = {
  model: "claude-sonnet-4-6",
  max_tokens: 100,
  messages: [{ role: "user" as const, content: "héllo there" }],
};

describe("fake Anthropic through @anthropic-ai/sdk", () => {
  it("answers a message and records the request", async () => {
    const message = await client.messages.create(ask);
    expect(message.content).toEqual([{ type: "text", text: "Echo: héllo there" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(fake.lastRequest()?.headers["anthropic-version"]).toBeDefined();
  });

  it("streams the documented event sequence, and the SDK assembles it", async () => {
    const stream = client.messages.stream(ask);
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(message.content).toEqual(
      [{ type: "text", text: "Echo: héllo there", citations: null }]
        .map(({ citations: _c, ...block }) => block)
        .map((block) => expect.objectContaining(block)),
    );
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(types).toContain("content_block_delta");
  });

  it("streams tool use as input_json_delta pieces that assemble to the input", async () => {
    fake.setReply(() => ({ toolCalls: [{ name: "weather", input: { city: "Paris", days: 3 } }] }));
    const message = await client.messages.stream(ask).finalMessage();
    fake.setReply(undefined);
    const block = message.content[0];
    expect(block?.type).toBe("tool_use");
    expect(block?.type === "tool_use" ? block.input : null).toEqual({ city: "Paris", days: 3 });
    expect(message.stop_reason).toBe("tool_use");
  });

  it("counts tokens", async () => {
    const count = await client.messages.countTokens({ model: ask.model, messages: ask.messages });
    expect(count.input_tokens).toBeGreaterThan(0);
  });

  it("answers errors and faults as Anthropic does", async () => {
    const wrong = new Anthropic({ baseURL: fake.url, apiKey: "nope", maxRetries: 0 });
    await expect(wrong.messages.create(ask)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    fake.pushFault({ kind: "rate-limit", retryAfterSeconds: 3 });
    const limited = await client.messages.create(ask).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get("retry-after")).toBe("3");
    fake.pushFault({ kind: "status", status: 529 });
    const overloaded = await client.messages.create(ask).catch((error: unknown) => error);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    fake.pushFault({ kind: "in-band-error", afterChunks: 2, message: "Overloaded" });
    const broken = await client.messages
      .stream(ask)
      .finalMessage()
      .catch((error: unknown) => error);
    expect(broken).toBeInstanceOf(Error);
  });
});
