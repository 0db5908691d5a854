/**
 * OpenAI Responses callers to an OpenAI provider are passed through to its `/v1/responses`: what
 * OpenAI alone serves (built-in tools, `store`, reasoning items, `previous_response_id`) arrives
 * as sent, and the answer comes back as OpenAI gave it. Other targets still get a translation,
 * and there the OpenAI-only parts are refused by name.
 */
import OpenAI from "openai";
import type { ResponseCreateParamsNonStreaming } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MatrixGateway, startMatrixGateway } from "./support/matrix-gateway.js";
import { PROVIDER_KEY, storedRecord, TEST_KEY } from "./support/test-gateway.js";

let test: MatrixGateway;

beforeAll(async () => {
  test = await startMatrixGateway();
});
afterAll(async () => {
  await test?.close();
});
beforeEach(() => {
  test.fake.reset();
  test.anthropicFake.reset();
});

// Everything here only OpenAI understands; a translation would drop or refuse it.
const request = {
  model: "gpt-4o-mini",
  instructions: "answer briefly",
  input: [
    { role: "user", content: [{ type: "input_text", text: "earlier question" }] },
    { type: "reasoning", id: "rs_earlier", summary: [{ type: "summary_text", text: "thought about it" }] },
    { role: "assistant", content: "earlier answer" },
    { role: "user", content: [{ type: "input_text", text: "what is new today?" }] },
  ],
  tools: [{ type: "web_search" }],
  store: true,
  reasoning: { effort: "low", summary: "auto" },
  include: ["reasoning.encrypted_content"],
  metadata: { ticket: "t-42" },
} as unknown as ResponseCreateParamsNonStreaming;

describe("a Responses caller to OpenAI", () => {
  it("is forwarded to /v1/responses unchanged, and answered as OpenAI answered", async () => {
    const { data, response } = await test.client.responses.create(request).withResponse();
    const received = test.fake.lastRequest();
    expect(received?.path).toBe("/v1/responses");
    expect(received?.body).toEqual(request);
    // Nothing to rewrite (the model is OpenAI's own name): the caller's bytes go out as they came.
    expect(received?.rawBody.toString("utf8")).toBe(JSON.stringify(request));
    expect(received?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(JSON.stringify(received?.headers)).not.toContain(TEST_KEY);

    expect(data.output_text).toBe("Echo: what is new today?");
    expect(data).toMatchObject({
      store: true,
      tools: [{ type: "web_search" }],
      metadata: { ticket: "t-42" },
    });
    expect(data.output[0]?.type).toBe("reasoning");
    expect(response.headers.get("floopy-provider")).toBe("openai");
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record).toMatchObject({ status: 200, provider: "openai", ingressProtocol: "openai-responses" });
    expect(record.usage?.promptTokens).toBeGreaterThan(0);
    expect(record.usage?.completionTokens).toBeGreaterThan(0);
  });

  it("streams OpenAI's own events through, and records the usage they carry", async () => {
    const { data, response } = await test.client.responses
      .create({ ...request, stream: true })
      .withResponse();
    const types: string[] = [];
    let text = "";
    for await (const event of data) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(text).toBe("Echo: what is new today?");
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    const received = test.fake.lastRequest();
    expect(received?.path).toBe("/v1/responses");
    expect(received?.body).toEqual({ ...request, stream: true });
    const record = await storedRecord(test, response.headers.get("floopy-request-id") ?? "");
    expect(record.status).toBe(200);
    expect(record.usage?.completionTokens).toBeGreaterThan(0);
  });

  it("rewrites only the model name when the caller names the provider", async () => {
    await test.client.responses.create({ ...request, model: "openai/gpt-4o-mini" });
    const received = test.fake.lastRequest();
    expect(received?.path).toBe("/v1/responses");
    expect(received?.body).toEqual({ ...request, model: "gpt-4o-mini" });
  });

  it("keeps previous_response_id for OpenAI, which stores responses", async () => {
    await test.client.responses.create({
      model: "gpt-4o-mini",
      input: "and then?",
      previous_response_id: "resp_earlier",
    });
    expect(test.fake.lastRequest()?.body).toMatchObject({ previous_response_id: "resp_earlier" });
  });

  it("passes OpenAI's own errors through in OpenAI's shape", async () => {
    test.fake.pushFault({ kind: "status", status: 400, message: "Unsupported tool: web_search" });
    const error = await test.client.responses.create(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("Unsupported tool");
  });
});

describe("a Responses caller to another provider", () => {
  it("is translated, and still answers", async () => {
    const response = await test.client.responses.create({ model: "claude-sonnet-4-6", input: "hello" });
    expect(response.output_text).toBe("Echo: hello");
    expect(test.anthropicFake.lastRequest()?.path).toBe("/v1/messages");
  });

  it("refuses OpenAI-only parts by name, without calling the provider", async () => {
    const builtIn = await test.client.responses
      .create({ ...request, model: "claude-sonnet-4-6" })
      .catch((caught: unknown) => caught);
    expect(builtIn).toBeInstanceOf(OpenAI.BadRequestError);
    expect((builtIn as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("tools[0].type");
    const continued = await test.client.responses
      .create({ model: "claude-sonnet-4-6", input: "x", previous_response_id: "resp_1" })
      .catch((caught: unknown) => caught);
    expect((continued as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id");
    expect(test.anthropicFake.requests).toHaveLength(0);
  });
});
