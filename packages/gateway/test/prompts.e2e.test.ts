/**
 * The prompt library and the prompt stage end to end (INTERFACE.md "Prompts"): immutable
 * versions, paged lists, org scoping; `Floopy-Prompt-Id` / `Floopy-Prompt-Version` put the
 * resolved messages before the caller's in every caller protocol, `{{variable}}`s filled from
 * `inputs`, then the version's defaults, else left as written; `inputs` never reaches a provider;
 * the body's model wins and the prompt's fills an empty one; unknown prompt or version → 404; and
 * the stage reads no database (it answers with the events and control stores' tables gone).
 */
import { createHash, randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    configText: [
      "keys:",
      `  - { name: writer, hash: "${hash(key)}", org: prompt-org }`,
      `  - { name: other, hash: "${hash(otherKey)}", org: prompt-other }`,
      "",
    ].join("\n"),
  });
});

afterAll(async () => {
  await test?.close();
});

async function api(method: string, path: string, body?: unknown, as = key) {
  const answer = await fetch(`${test.gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in assertions
  return { status: answer.status, body: (await answer.json()) as Record<string, any> };
}

const template = {
  messages: [
    { role: "system", content: "You are {{ persona }} for {{company}}." },
    { role: "user", content: "My name is {{name}}." },
  ],
  defaults: { persona: "a helpful agent", company: "Acme" },
};

async function createPrompt(name = `support-${randomBytes(4).toString("hex")}`, extra: object = {}) {
  const created = await api("POST", "/v1/prompts", { name, ...template, ...extra });
  expect(created.status).toBe(201);
  return created.body;
}

describe("the prompt library", () => {
  it("creates a prompt as version 1, adds immutable versions, and lists both in pages", async () => {
    const prompt = await createPrompt(undefined, { model: "gpt-4o", description: "support bot" });
    expect(prompt).toMatchObject({
      name: expect.any(String),
      version: 1,
      model: "gpt-4o",
      defaults: template.defaults,
      messages: template.messages,
      description: "support bot",
    });
    expect(prompt.id).toMatch(/^prm_/);
    expect(Number.isNaN(Date.parse(prompt.created_at))).toBe(false);
    const second = await api("POST", `/v1/prompts/${prompt.id}/versions`, {
      messages: [{ role: "system", content: "Version two for {{name}}." }],
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ version: 2, model: null, defaults: {} });
    for (let index = 3; index <= 5; index++) {
      await api("POST", `/v1/prompts/${prompt.id}/versions`, {
        messages: [{ role: "user", content: `v${index}` }],
      });
    }
    const latest = await api("GET", `/v1/prompts/${prompt.id}`);
    expect(latest.body).toMatchObject({ version: 5, messages: [{ role: "user", content: "v5" }] });
    const first = await api("GET", `/v1/prompts/${prompt.id}/versions/1`);
    expect(first.body).toMatchObject({ version: 1, model: "gpt-4o", messages: template.messages });

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(
        "GET",
        `/v1/prompts/${prompt.id}/versions?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { version: number }) => item.version));
      cursor = page.body.next_cursor;
      expect(page.body.has_more).toBe(cursor !== null);
    } while (cursor !== null);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const listed = await api("GET", "/v1/prompts?limit=100");
    expect(listed.body.items.some((item: { id: string }) => item.id === prompt.id)).toBe(true);
  });

  it("refuses a duplicate name, a bad body, and answers another org's prompt as a missing one", async () => {
    const prompt = await createPrompt();
    expect((await api("POST", "/v1/prompts", { name: prompt.name, ...template })).status).toBe(409);
    const bad = await api("POST", "/v1/prompts", {
      name: "x",
      messages: [{ role: "wizard", content: "hi" }],
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_body" } } });
    const unknownField = await api("POST", "/v1/prompts", {
      name: "y",
      messages: template.messages,
      temperature: 1,
    });
    expect(unknownField.body.error.message).toContain("temperature");
    const foreign = await api("GET", `/v1/prompts/${prompt.id}`, undefined, otherKey);
    const missing = await api("GET", "/v1/prompts/prm_missing", undefined, otherKey);
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body).replace(prompt.id, "X")).toBe(
      JSON.stringify(missing.body).replace("prm_missing", "X"),
    );
    expect((await api("POST", `/v1/prompts/${prompt.id}/versions`, template, otherKey)).status).toBe(404);
    expect((await api("GET", `/v1/prompts/${prompt.id}/versions/9`)).status).toBe(404);
  });
});

describe("the prompt stage", () => {
  function openai(headers: Record<string, string>) {
    return new OpenAI({
      baseURL: `${test.gateway.url}/v1`,
      apiKey: key,
      maxRetries: 0,
      defaultHeaders: headers,
    });
  }

  it("puts the filled prompt before the caller's messages and strips inputs (OpenAI chat)", async () => {
    const prompt = await createPrompt();
    test.fake.reset();
    const answer = await openai({ "floopy-prompt-id": prompt.id }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Where is my order?" }],
      // @ts-expect-error: inputs is Floopy's, not OpenAI's
      inputs: { name: "Ada", persona: "a pirate" },
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: Where is my order?");
    const sent = test.fake.lastRequest()?.body as { messages: unknown[]; inputs?: unknown; model: string };
    expect(sent.inputs).toBeUndefined();
    expect(sent.model).toBe("gpt-4o-mini");
    expect(sent.messages).toEqual([
      { role: "system", content: "You are a pirate for Acme." },
      { role: "user", content: "My name is Ada." },
      { role: "user", content: "Where is my order?" },
    ]);
  });

  it("resolves a pinned version, leaves unknown variables verbatim, and lets the prompt's model fill an empty one", async () => {
    const prompt = await createPrompt(undefined, { model: "gpt-4o" });
    await api("POST", `/v1/prompts/${prompt.id}/versions`, {
      messages: [{ role: "user", content: "v2 {{ missing }}" }],
    });
    test.fake.reset();
    const pinned = await fetch(`${test.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        "floopy-prompt-id": prompt.id,
        "floopy-prompt-version": "1",
      },
      body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
    });
    expect(pinned.status).toBe(200);
    const sent = test.fake.lastRequest()?.body as { messages: Array<{ content: string }>; model: string };
    expect(sent.model).toBe("gpt-4o");
    expect(sent.messages[0]?.content).toBe("You are a helpful agent for Acme.");
    expect(sent.messages[1]?.content).toBe("My name is {{name}}.");

    test.fake.reset();
    await openai({ "floopy-prompt-id": prompt.id }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "latest" }],
    });
    const latest = test.fake.lastRequest()?.body as { messages: Array<{ content: string }>; model: string };
    expect(latest.model).toBe("gpt-4o-mini");
    expect(latest.messages[0]?.content).toBe("v2 {{ missing }}");
  });

  it("works for Anthropic, Gemini and Responses callers", async () => {
    const prompt = await createPrompt();
    const headers = { "floopy-prompt-id": prompt.id };
    test.fake.reset();
    const anthropic = new Anthropic({
      baseURL: test.gateway.url,
      apiKey: key,
      maxRetries: 0,
      defaultHeaders: headers,
    });
    const message = await anthropic.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 64,
      system: "Caller system.",
      messages: [{ role: "user", content: "anthropic asks" }],
      // @ts-expect-error: inputs is Floopy's
      inputs: { name: "Grace" },
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Echo: anthropic asks" });
    const viaAnthropic = test.fake.lastRequest()?.body as {
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(JSON.stringify(viaAnthropic)).not.toContain("inputs");
    expect(viaAnthropic.messages[0]).toMatchObject({ role: "system" });
    expect(JSON.stringify(viaAnthropic.messages[0])).toContain("You are a helpful agent for Acme.");
    expect(JSON.stringify(viaAnthropic.messages[0])).toContain("Caller system.");
    expect(JSON.stringify(viaAnthropic.messages)).toContain("My name is Grace.");

    test.fake.reset();
    const gemini = new GoogleGenAI({
      apiKey: key,
      httpOptions: { baseUrl: test.gateway.url, headers },
    });
    const generated = await gemini.models.generateContent({
      model: "gpt-4o-mini",
      contents: "gemini asks",
    });
    expect(generated.text).toBe("Echo: gemini asks");
    const viaGemini = JSON.stringify(test.fake.lastRequest()?.body);
    expect(viaGemini).toContain("You are a helpful agent for Acme.");
    expect(viaGemini).toContain("My name is {{name}}.");

    test.fake.reset();
    const responses = await openai(headers).responses.create({
      model: "gpt-4o-mini",
      input: "responses asks",
    });
    expect(responses.output_text).toBe("Echo: responses asks");
    const viaResponses = JSON.stringify(test.fake.lastRequest()?.body);
    expect(viaResponses).toContain("You are a helpful agent for Acme.");
  });

  it("answers an unknown prompt or version with 404 NOT_FOUND, and reads no database", async () => {
    const failure = async (headers: Record<string, string>) => {
      const answer = await fetch(`${test.gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
      });
      return {
        status: answer.status,
        body: (await answer.json()) as { error: { code: string; param: string } },
      };
    };
    expect(await failure({ "floopy-prompt-id": "prm_nope" })).toMatchObject({
      status: 404,
      body: { error: { code: "NOT_FOUND", param: "Floopy-Prompt-Id" } },
    });
    const prompt = await createPrompt();
    expect(await failure({ "floopy-prompt-id": prompt.id, "floopy-prompt-version": "7" })).toMatchObject({
      status: 404,
      body: { error: { code: "NOT_FOUND", param: "Floopy-Prompt-Version" } },
    });
    expect((await failure({ "floopy-prompt-id": prompt.id, "floopy-prompt-version": "one" })).status).toBe(
      400,
    );

    // No database read per request: with the library's reads broken, the stage still resolves.
    const prompts = test.gateway.stores.prompts;
    const original = { get: prompts.getPromptVersion };
    prompts.getPromptVersion = () => Promise.reject(new Error("no database read on the request path"));
    try {
      test.fake.reset();
      await openai({ "floopy-prompt-id": prompt.id }).chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "snapshot" }],
      });
      expect(JSON.stringify(test.fake.lastRequest()?.body)).toContain("You are a helpful agent for Acme.");
    } finally {
      prompts.getPromptVersion = original.get;
    }
  });
});
