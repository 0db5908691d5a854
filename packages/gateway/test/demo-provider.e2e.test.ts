/**
 * The demo provider (`floopy serve --demo`): every caller protocol answered without provider keys,
 * tools, streams, and failures on request so fallback can be watched.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.js";
import { type Gateway, startGateway } from "../src/gateway.js";

const KEY = "fp_demo_0123456789abcdefghijklmnop";

describe("demo provider", () => {
  let gateway: Gateway;
  let dataDir: string;
  let openai: OpenAI;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "floopy-demo-"));
    gateway = await startGateway({
      config: loadConfig({
        FLOOPY_PORT: "0",
        FLOOPY_DATA_DIR: dataDir,
        FLOOPY_BOOTSTRAP_KEY: KEY,
        FLOOPY_DEMO: "1",
      }),
      logger: pino({ level: "silent" }),
    });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers an OpenAI chat request, JSON and streamed, with usage", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: "mock/echo", messages: [{ role: "user", content: "Hello there" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Floopy demo provider. You said: Hello there");
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get("floopy-provider")).toBe("mock");
    const stream = await openai.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "Hello there" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(text).toBe("Floopy demo provider. You said: Hello there");
    expect(usage).toBeGreaterThan(0);
  });

  it("calls the offered tool, then answers from its result", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: {
            type: "object",
            properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
            required: ["city", "unit"],
          },
        },
      },
    ];
    const first = await openai.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools,
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("get_weather");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({
      city: "demo",
      unit: "c",
    });
    const second = await openai.chat.completions.create({
      model: "mock/echo",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        first.choices[0]?.message as OpenAI.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call?.id ?? "", content: "sunny, 21 C" },
      ],
      tools,
    });
    expect(second.choices[0]?.message.content).toBe("The tool answered: sunny, 21 C");
  });

  it("answers the Anthropic, Gemini and Responses routes through translation", async () => {
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: "mock/echo",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi Claude" }],
    });
    expect(message.content[0]?.type === "text" && message.content[0].text).toBe(
      "Floopy demo provider. You said: Hi Claude",
    );
    const gemini = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: gateway.url } });
    const answer = await gemini.models.generateContent({ model: "mock/echo", contents: "Hi Gemini" });
    expect(answer.text).toBe("Floopy demo provider. You said: Hi Gemini");
    const streamed = await gemini.models.generateContentStream({ model: "mock/echo", contents: "Hi again" });
    let text = "";
    for await (const chunk of streamed) text += chunk.text ?? "";
    expect(text).toBe("Floopy demo provider. You said: Hi again");
    const response = await openai.responses.create({ model: "mock/echo", input: "Hi Responses" });
    expect(response.output_text).toBe("Floopy demo provider. You said: Hi Responses");
  });

  it("fails on request, so fallback can be watched", async () => {
    const failed = await openai.chat.completions
      .create({ model: "mock/fail-503", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    const { data, response } = await openai.chat.completions
      .create({ model: "mock/fail-503,mock/echo", messages: [{ role: "user", content: "again" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Floopy demo provider. You said: again");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
    expect(response.headers.get("floopy-model")).toBe("echo");
  });

  it("opens the failing model's circuit, as the docs say, and keeps answering from the fallback", async () => {
    for (let index = 0; index < 12; index++) {
      const completion = await openai.chat.completions.create(
        { model: "mock/fail-500", messages: [{ role: "user", content: `try ${index}` }] },
        { headers: { "floopy-fallback": "mock/echo" } },
      );
      expect(completion.choices[0]?.message.content).toBe(`Floopy demo provider. You said: try ${index}`);
    }
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/floopy_circuit_state\{target="mock\/fail-500"\} 2/);
  });

  it("says which models it serves when asked for another", async () => {
    const failed = await openai.chat.completions
      .create({ model: "mock/nonsense", messages: [{ role: "user", content: "x" }] })
      .then(
        () => expect.unreachable("the request should fail"),
        (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
      );
    expect(failed.status).toBe(404);
    expect(failed.message).toMatch(/mock\/|echo/);
  });

  it("embeds deterministically", async () => {
    const first = await openai.embeddings.create({ model: "mock/embed", input: ["same text"] });
    const second = await openai.embeddings.create({ model: "mock/embed", input: "same text" });
    expect(first.data[0]?.embedding).toEqual(second.data[0]?.embedding);
    expect(first.data[0]?.embedding.length).toBe(16);
  });
});

describe("demo provider, never by accident", () => {
  it("is off without --demo or FLOOPY_DEMO, and a config file cannot enable it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "floopy-demo-"));
    try {
      const gateway = await startGateway({
        config: loadConfig({ FLOOPY_PORT: "0", FLOOPY_DATA_DIR: dataDir, FLOOPY_BOOTSTRAP_KEY: KEY }),
        logger: pino({ level: "silent" }),
      });
      try {
        const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
        const failed = await client.chat.completions
          .create({ model: "mock/echo", messages: [{ role: "user", content: "x" }] })
          .then(
            () => expect.unreachable("the request should fail"),
            (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
          );
        expect(failed.status).toBe(404);
      } finally {
        await gateway.close();
      }
      const configPath = join(dataDir, "floopy.yaml");
      writeFileSync(configPath, "providers:\n  fake: { type: mock, base_url: http://127.0.0.1:1/v1 }\n");
      expect(() => loadConfig({ FLOOPY_CONFIG: configPath })).not.toThrow();
      await expect(
        startGateway({
          config: loadConfig({ FLOOPY_PORT: "0", FLOOPY_DATA_DIR: dataDir, FLOOPY_CONFIG: configPath }),
          logger: pino({ level: "silent" }),
        }),
      ).rejects.toThrow(/providers\.fake\.type: the demo provider is built in/);
      expect(() => loadConfig({ FLOOPY_DEMO: "maybe" })).toThrow(/FLOOPY_DEMO/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
