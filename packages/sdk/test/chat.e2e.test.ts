/**
 * The OpenAI drop-in against a real gateway: `client.chat` is the `openai` client's own resource,
 * JSON and streamed, and the client's `options` reach the gateway as `Floopy-*` headers (the
 * cache headers turn the cache on, which `Floopy-Cache-Status` shows).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, TEST_KEY, type TestGateway } from "../../gateway/test/support/test-gateway.js";
import { Floopy } from "../src/index.js";

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway();
});

afterAll(async () => {
  await test?.close();
});

function client(options: ConstructorParameters<typeof Floopy>[0] = {}): Floopy {
  return new Floopy({ apiKey: TEST_KEY, baseURL: `${test.gateway.url}/v1`, maxRetries: 0, ...options });
}

describe("the openai resources", () => {
  it("are the openai client's own, pointed at the gateway", async () => {
    const floopy = client();
    expect(floopy.chat).toBeInstanceOf(OpenAI.Chat);
    expect(floopy.openai).toBeInstanceOf(OpenAI);
    expect(floopy.openai.baseURL).toBe(`${test.gateway.url}/v1`);
    const completion = await floopy.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
    expect(completion._request_id).toMatch(/.+/);
  });

  it("stream through the gateway", async () => {
    const stream = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Stream please" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
  });

  it("lists models", async () => {
    const models = await client().models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });
});

describe("options", () => {
  const question = (content: string) => ({
    model: "gpt-4o-mini",
    messages: [{ role: "user" as const, content }],
  });

  it("turn the cache on for every call: a repeat is a hit", async () => {
    const floopy = client({ options: { cache: { enabled: true, bucketMaxSize: 1 } } });
    const body = question(`cache me ${Date.now()}`);
    const first = await floopy.chat.completions.create(body).withResponse();
    expect(first.response.headers.get("floopy-cache-status")).toBe("MISS");
    const second = await floopy.chat.completions.create(body).withResponse();
    expect(second.response.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
    expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
  });

  it("reach streamed calls too", async () => {
    const floopy = client({ options: { cache: { enabled: true } } });
    const body = { ...question(`stream cache ${Date.now()}`), stream: true as const };
    const read = async () => {
      const { data, response } = await floopy.chat.completions.create(body).withResponse();
      let text = "";
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? "";
      return { text, status: response.headers.get("floopy-cache-status") };
    };
    const first = await read();
    const second = await read();
    expect(first.status).toBe("MISS");
    expect(second.status).toBe("HIT-EXACT");
    expect(second.text).toBe(first.text);
  });

  it("are off without options: the gateway's default (cache disabled) applies", async () => {
    const floopy = client();
    const body = question(`no cache ${Date.now()}`);
    await floopy.chat.completions.create(body);
    const second = await floopy.chat.completions.create(body).withResponse();
    expect(second.response.headers.get("floopy-cache-status")).toBeNull();
  });
});
