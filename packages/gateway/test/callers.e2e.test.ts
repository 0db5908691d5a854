/**
 * Callers people actually use, unchanged, through the gateway: the Vercel AI SDK (`@ai-sdk/openai`
 * speaks the Responses API by default and validates every stream event strictly;
 * `@ai-sdk/anthropic` speaks Messages) and LangChain's ChatOpenAI. Generate, stream and tools.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import type { RecordedRequest } from "@floopy/testkit";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type MatrixGateway, startMatrixGateway } from "./support/matrix-gateway.js";
import { TEST_KEY } from "./support/test-gateway.js";
import { openaiToolResult } from "./support/tool-result.js";

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

const openai = () => createOpenAI({ baseURL: `${test.gateway.url}/v1`, apiKey: TEST_KEY });
const anthropic = () => createAnthropic({ baseURL: `${test.gateway.url}/v1`, apiKey: TEST_KEY });

/** The OpenAI fake calls `weather` first, then answers from the tool's result. */
function weatherReplier(request: RecordedRequest) {
  const result = openaiToolResult(request);
  if (result !== undefined) return { content: `The tool said: ${result}` };
  return { toolCalls: [{ id: "call_w1", name: "weather", arguments: '{"city":"Paris"}' }] };
}

const weather = tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

describe("Vercel AI SDK, OpenAI provider (Responses API)", () => {
  for (const model of ["gpt-4o-mini", "claude-sonnet-4-6", "gemini-2.5-flash"]) {
    it(`generates and streams text from ${model}`, async () => {
      const generated = await generateText({ model: openai()(model), prompt: "hello vercel" });
      expect(generated.text).toBe("Echo: hello vercel");
      expect(generated.usage.inputTokens).toBeGreaterThan(0);

      const streamed = streamText({ model: openai()(model), prompt: "hello stream" });
      let text = "";
      for await (const delta of streamed.textStream) text += delta;
      expect(text).toBe("Echo: hello stream");
      expect((await streamed.finishReason) === "stop").toBe(true);
    });
  }

  it("runs a tool round trip, generated and streamed", async () => {
    test.fake.setReply(weatherReplier);
    const generated = await generateText({
      model: openai()("gpt-4o-mini"),
      prompt: "weather in Paris?",
      tools: { weather },
      stopWhen: stepCountIs(3),
    });
    expect(generated.text).toBe("The tool said: sunny in Paris");
    expect(generated.steps[0]?.toolCalls[0]?.input).toEqual({ city: "Paris" });

    const streamed = streamText({
      model: openai()("gpt-4o-mini"),
      prompt: "weather in Paris?",
      tools: { weather },
      stopWhen: stepCountIs(3),
    });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe("The tool said: sunny in Paris");
  });
});

describe("Vercel AI SDK, Anthropic provider", () => {
  // Explicit, so the AI SDK does not warn that it does not know the max tokens of "gpt-4o-mini".
  const maxOutputTokens = 256;
  for (const model of ["claude-sonnet-4-6", "gpt-4o-mini"]) {
    it(`generates and streams text from ${model}`, async () => {
      const generated = await generateText({
        model: anthropic()(model),
        prompt: "hello claude sdk",
        maxOutputTokens,
      });
      expect(generated.text).toBe("Echo: hello claude sdk");
      const streamed = streamText({
        model: anthropic()(model),
        prompt: "hello claude stream",
        maxOutputTokens,
      });
      let text = "";
      for await (const delta of streamed.textStream) text += delta;
      expect(text).toBe("Echo: hello claude stream");
    });
  }

  it("runs a tool round trip against an OpenAI upstream", async () => {
    test.fake.setReply(weatherReplier);
    const generated = await generateText({
      model: anthropic()("gpt-4o-mini"),
      prompt: "weather in Paris?",
      maxOutputTokens,
      tools: { weather },
      stopWhen: stepCountIs(3),
    });
    expect(generated.text).toBe("The tool said: sunny in Paris");
  });
});

describe("LangChain ChatOpenAI", () => {
  const chat = (model: string) =>
    new ChatOpenAI({
      model,
      apiKey: TEST_KEY,
      configuration: { baseURL: `${test.gateway.url}/v1` },
      maxRetries: 0,
    });

  for (const model of ["gpt-4o-mini", "claude-sonnet-4-6", "gemini-2.5-flash"]) {
    it(`invokes and streams ${model}`, async () => {
      const message = await chat(model).invoke("hello langchain");
      expect(message.content).toBe("Echo: hello langchain");
      let text = "";
      for await (const chunk of await chat(model).stream("hello chain stream")) text += String(chunk.content);
      expect(text).toBe("Echo: hello chain stream");
    });
  }

  it("returns tool calls with parsed arguments", async () => {
    test.fake.setReply(weatherReplier);
    const message = await chat("gpt-4o-mini")
      .bindTools([
        {
          type: "function",
          function: {
            name: "weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
          },
        },
      ])
      .invoke("weather in Paris?");
    expect(message.tool_calls?.[0]).toMatchObject({ name: "weather", args: { city: "Paris" } });
  });
});
