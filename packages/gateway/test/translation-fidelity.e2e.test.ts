/**
 * Translation fidelity beyond the basics, end to end with the official clients against the
 * testkit fakes: JSON answers on Anthropic (native structured output, a forced tool for JSON
 * mode), tool errors, Gemini function responses without ids, `n` a target cannot honour, Gemini
 * thoughts nobody asked for, and overload statuses in the caller's protocol.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { RecordedRequest } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MatrixGateway, startMatrixGateway } from "./support/matrix-gateway.js";
import { TEST_KEY } from "./support/test-gateway.js";

let test: MatrixGateway;

beforeAll(async () => {
  test = await startMatrixGateway();
});
afterEach(() => {
  test.fake.reset();
  test.anthropicFake.reset();
  test.geminiFake.reset();
});
afterAll(async () => {
  await test.close();
});

type Body = Record<string, unknown>;
const lastBody = (requests: readonly RecordedRequest[]): Body => requests.at(-1)?.body as Body;

const CLAUDE = "claude-sonnet-4-6";
const GEMINI = "gemini-2.5-flash";

const citySchema = {
  type: "object",
  properties: { city: { type: "string" }, population: { type: "integer" } },
  required: ["city", "population"],
  additionalProperties: false,
};

describe("JSON answers from Anthropic", () => {
  it("sends a JSON schema as Anthropic's native structured output, and answers JSON text", async () => {
    const request = {
      model: CLAUDE,
      messages: [{ role: "user" as const, content: "The largest city in France?" }],
      response_format: {
        type: "json_schema" as const,
        json_schema: { name: "city", schema: citySchema, strict: true },
      },
    };
    const completion = await test.client.chat.completions.create(request);
    const sent = lastBody(test.anthropicFake.requests);
    expect(sent.output_config).toEqual({ format: { type: "json_schema", schema: citySchema } });
    expect(JSON.stringify(sent.system ?? "")).not.toContain("JSON");
    const answer = JSON.parse(completion.choices[0]?.message.content ?? "");
    expect(Object.keys(answer).sort()).toEqual(["city", "population"]);

    let text = "";
    for await (const chunk of await test.client.chat.completions.create({ ...request, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(["city", "population"]);
  });

  it("answers JSON mode through a forced tool, given back as the message text (JSON and stream)", async () => {
    test.anthropicFake.setReply((recorded) => {
      const body = recorded.body as Body;
      const choice = body.tool_choice as { type: string; name: string } | undefined;
      // Honour the forced tool the way Anthropic does: the answer is a call of it.
      return choice?.type === "tool"
        ? { toolCalls: [{ name: choice.name, input: { city: "Paris", population: 2102650 } }] }
        : { text: "not JSON at all" };
    });
    const request = {
      model: CLAUDE,
      messages: [{ role: "user" as const, content: "The largest city in France, as JSON?" }],
      response_format: { type: "json_object" as const },
    };
    const completion = await test.client.chat.completions.create(request);
    const sent = lastBody(test.anthropicFake.requests);
    expect(sent.tool_choice).toEqual({ type: "tool", name: "json_answer" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.choices[0]?.message.tool_calls ?? []).toEqual([]);
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({
      city: "Paris",
      population: 2102650,
    });

    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of await test.client.chat.completions.create({ ...request, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
      expect(chunk.choices[0]?.delta.tool_calls).toBeUndefined();
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(JSON.parse(text)).toEqual({ city: "Paris", population: 2102650 });
    expect(finish).toBe("stop");
  });

  it("carries an Anthropic caller's output_config schema to OpenAI as response_format", async () => {
    await test.anthropic.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 100,
      messages: [{ role: "user", content: "The largest city in France?" }],
      output_config: { format: { type: "json_schema", schema: citySchema } },
    });
    expect(lastBody(test.fake.requests).response_format).toMatchObject({
      type: "json_schema",
      json_schema: { schema: citySchema },
    });
  });
});

describe("tool errors", () => {
  const weather = { name: "weather", input_schema: { type: "object" as const, properties: {} } };

  it("carries Anthropic's is_error to Gemini as a functionResponse error, and back", async () => {
    await test.anthropic.messages.create({
      model: GEMINI,
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "weather", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "city unknown", is_error: true }],
        },
      ],
    });
    const contents = lastBody(test.geminiFake.requests).contents as Array<{ parts: Body[] }>;
    const response = contents.flatMap((content) => content.parts).find((part) => part.functionResponse);
    expect(response?.functionResponse).toMatchObject({
      name: "weather",
      response: { error: "city unknown" },
    });

    await test.gemini.models.generateContent({
      model: CLAUDE,
      contents: [
        { role: "user", parts: [{ text: "weather?" }] },
        { role: "model", parts: [{ functionCall: { id: "c1", name: "weather", args: {} } }] },
        {
          role: "user",
          parts: [{ functionResponse: { id: "c1", name: "weather", response: { error: "city unknown" } } }],
        },
      ],
      config: { tools: [{ functionDeclarations: [{ name: "weather" }] }] },
    });
    const messages = lastBody(test.anthropicFake.requests).messages as Array<{ content: Body[] }>;
    const result = messages
      .flatMap((message) => message.content)
      .find((block) => block.type === "tool_result");
    expect(result).toMatchObject({ tool_use_id: "c1", content: "city unknown", is_error: true });
  });

  it("sends a tool error's content as is to OpenAI, which has no error flag", async () => {
    await test.anthropic.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_2", name: "weather", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_2", content: "city unknown", is_error: true }],
        },
      ],
    });
    const messages = lastBody(test.fake.requests).messages as Body[];
    expect(messages.find((message) => message.role === "tool")).toEqual({
      role: "tool",
      tool_call_id: "toolu_2",
      content: "city unknown",
    });
  });
});

describe("Gemini function responses without ids", () => {
  it("answers every call, pairing by id, then by order and name", async () => {
    await test.gemini.models.generateContent({
      model: "gpt-4o-mini",
      contents: [
        { role: "user", parts: [{ text: "weather in Paris and Rome, and the time?" }] },
        {
          role: "model",
          parts: [
            { functionCall: { id: "w_paris", name: "weather", args: { city: "Paris" } } },
            { functionCall: { name: "weather", args: { city: "Rome" } } },
            { functionCall: { name: "clock", args: {} } },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "clock", response: { result: "noon" } } },
            { functionResponse: { id: "w_paris", name: "weather", response: { result: "sunny" } } },
            { functionResponse: { name: "weather", response: { result: "rainy" } } },
          ],
        },
      ],
      config: { tools: [{ functionDeclarations: [{ name: "weather" }, { name: "clock" }] }] },
    });
    const messages = lastBody(test.fake.requests).messages as Array<{
      role: string;
      content?: unknown;
      tool_call_id?: string;
      tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
    }>;
    const calls = messages.flatMap((message) => message.tool_calls ?? []);
    const results = messages.filter((message) => message.role === "tool");
    expect(results).toHaveLength(3);
    expect(new Set(results.map((result) => result.tool_call_id))).toEqual(
      new Set(calls.map((call) => call.id)),
    );
    const answerOf = (city: string) => {
      const call = calls.find((entry) => JSON.parse(entry.function.arguments).city === city);
      return results.find((result) => result.tool_call_id === call?.id)?.content;
    };
    expect(answerOf("Paris")).toBe("sunny");
    expect(answerOf("Rome")).toBe("rainy");
    const clock = calls.find((entry) => entry.function.name === "clock");
    expect(results.find((result) => result.tool_call_id === clock?.id)?.content).toBe("noon");
  });
});

describe("several choices", () => {
  it("refuses n: 2 for Anthropic with a 400 naming n, and sends nothing upstream", async () => {
    const error = await test.client.chat.completions
      .create({ model: CLAUDE, n: 2, messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n");
    expect(test.anthropicFake.requests).toHaveLength(0);
  });

  it("asks Gemini for n candidates", async () => {
    await test.client.chat.completions.create({
      model: GEMINI,
      n: 2,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(lastBody(test.geminiFake.requests).generationConfig).toMatchObject({ candidateCount: 2 });
  });
});

describe("Gemini thoughts", () => {
  const thinking = () => ({ text: "Paris.", thinking: { text: "France's capital…", signature: "sig_1" } });

  it("are left out for a Gemini caller that did not set includeThoughts, and kept when it did", async () => {
    test.anthropicFake.setReply(thinking);
    const base = { model: CLAUDE, contents: "capital of France?" };
    const plain = await test.gemini.models.generateContent({
      ...base,
      config: { thinkingConfig: { thinkingBudget: 2048 } },
    });
    const parts = plain.candidates?.[0]?.content?.parts ?? [];
    expect(parts.some((part) => part.thought === true)).toBe(false);
    expect(plain.text).toBe("Paris.");
    const streamed: unknown[] = [];
    for await (const chunk of await test.gemini.models.generateContentStream({
      ...base,
      config: { thinkingConfig: { thinkingBudget: 2048 } },
    })) {
      streamed.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
    }
    expect(streamed.some((part) => (part as { thought?: boolean }).thought === true)).toBe(false);

    const asked = await test.gemini.models.generateContent({
      ...base,
      config: { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
    });
    const thought = asked.candidates?.[0]?.content?.parts?.find((part) => part.thought === true);
    expect(thought).toMatchObject({ text: "France's capital…", thoughtSignature: "sig_1" });
  });
});

describe("overload in the caller's protocol", () => {
  it("gives Anthropic's 529 to a Gemini caller as 503 UNAVAILABLE and to an OpenAI caller as 503", async () => {
    test.anthropicFake.pushFault({ kind: "status", status: 529 });
    const geminiError = await test.gemini.models
      .generateContent({ model: CLAUDE, contents: "hi" })
      .catch((caught: unknown) => caught);
    expect(geminiError).toMatchObject({ status: 503 });
    expect(String(geminiError)).toContain("UNAVAILABLE");

    test.anthropicFake.pushFault({ kind: "status", status: 529 });
    const openaiError = await test.client.chat.completions
      .create({ model: CLAUDE, messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(openaiError).toBeInstanceOf(OpenAI.InternalServerError);
    expect((openaiError as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
  });

  it("gives an OpenAI 503 to an Anthropic caller as 529 overloaded_error", async () => {
    test.fake.pushFault({ kind: "status", status: 503, message: "engine overloaded" });
    const error = await test.anthropic.messages
      .create({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "overloaded_error" },
    });
  });
});

describe("whether to retry, from the error registry", () => {
  it("tells the official clients not to retry what cannot succeed, and to retry what may", async () => {
    const retrying = new OpenAI({ baseURL: `${test.gateway.url}/v1`, apiKey: TEST_KEY, maxRetries: 2 });
    // The openai client retries a 409 on its own; the registry says a conflict is not retryable.
    test.fake.pushFault({ kind: "status", status: 409, message: "conflict" });
    const error = await retrying.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.ConflictError);
    expect((error as InstanceType<typeof OpenAI.ConflictError>).headers?.get("x-should-retry")).toBe("false");
    expect(test.fake.requests).toHaveLength(1);

    test.fake.pushFault({ kind: "status", status: 503, message: "overloaded" });
    const overloaded = await test.client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect((overloaded as InstanceType<typeof OpenAI.APIError>).headers?.get("x-should-retry")).toBe("true");
  });
});
