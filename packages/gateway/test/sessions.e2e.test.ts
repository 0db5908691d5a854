/**
 * Sessions end to end (INTERFACE.md `floopy-session-id`, `GET /v1/session/{id}`): turns in any
 * caller protocol, JSON or streamed, come back oldest first as OpenAI chat messages that the next
 * call can send as they are; another org's session is the same 404 as a missing one; an org whose
 * logging keeps no content gets its turns without messages; secrets are redacted.
 */
import { createHash, randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const key = `fp_${randomBytes(16).toString("hex")}`;
const otherKey = `fp_${randomBytes(16).toString("hex")}`;
const quietKey = `fp_${randomBytes(16).toString("hex")}`;

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway({
    configText: [
      "keys:",
      `  - { name: talker, hash: "${hash(key)}", org: session-org }`,
      `  - { name: other, hash: "${hash(otherKey)}", org: session-other }`,
      `  - { name: quiet, hash: "${hash(quietKey)}", org: session-quiet }`,
      "logging:",
      "  orgs:",
      "    session-quiet: { content: none }",
      "",
    ].join("\n"),
  });
});

afterAll(async () => {
  await test?.close();
});

function client(as: string, session: string): OpenAI {
  return new OpenAI({
    baseURL: `${test.gateway.url}/v1`,
    apiKey: as,
    maxRetries: 0,
    defaultHeaders: { "floopy-session-id": session, "floopy-session-name": "support chat" },
  });
}

interface SessionBody {
  session_id: string;
  messages: Array<{ role: string; content: string }>;
  turn_count: number;
  turns: Array<{ request_id: string; created_at: string; model: string; provider: string }>;
}

async function sessionOf(as: string, id: string): Promise<SessionBody> {
  return (await (await getSession(as, id)).json()) as SessionBody;
}

async function getSession(as: string, id: string): Promise<Response> {
  return fetch(`${test.gateway.url}/v1/session/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${as}` },
  });
}

describe("sessions", () => {
  it("restores three turns as OpenAI messages that a fourth call sends as they are", async () => {
    const session = `s-${randomBytes(6).toString("hex")}`;
    const openai = client(key, session);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "system", content: "Be brief." }];
    for (const text of ["first question", "second question"]) {
      messages.push({ role: "user", content: text });
      const answer = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
      messages.push({ role: "assistant", content: answer.choices[0]?.message.content ?? "" });
    }
    // The third turn streams; its answer is folded from the stream.
    messages.push({ role: "user", content: "third question" });
    const stream = await openai.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toBe("Echo: third question");

    const answer = await getSession(key, session);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as SessionBody;
    expect(body.session_id).toBe(session);
    expect(body.turn_count).toBe(3);
    expect(body.turns).toHaveLength(3);
    for (const turn of body.turns) {
      expect(turn).toMatchObject({ model: "gpt-4o-mini", provider: "openai" });
      expect(typeof turn.request_id).toBe("string");
      expect(Number.isNaN(Date.parse(turn.created_at))).toBe(false);
    }
    expect(
      body.messages.map((message: { role: string; content: string }) => [message.role, message.content]),
    ).toEqual([
      ["system", "Be brief."],
      ["user", "first question"],
      ["assistant", "Echo: first question"],
      ["user", "second question"],
      ["assistant", "Echo: second question"],
      ["user", "third question"],
      ["assistant", "Echo: third question"],
    ]);

    const restored = body.messages as unknown as OpenAI.ChatCompletionMessageParam[];
    const fourth = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [...restored, { role: "user", content: "fourth question" }],
    });
    expect(fourth.choices[0]?.message.content).toBe("Echo: fourth question");
    const after = await sessionOf(key, session);
    expect(after.turn_count).toBe(4);
    expect(after.messages).toHaveLength(9);
    expect(after.messages.at(-1)).toMatchObject({ role: "assistant", content: "Echo: fourth question" });
  });

  it("joins turns whose callers send only the new message, whatever protocol they speak", async () => {
    const session = `s-${randomBytes(6).toString("hex")}`;
    await client(key, session).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "from openai" }],
    });
    const anthropic = new Anthropic({
      baseURL: test.gateway.url,
      apiKey: key,
      maxRetries: 0,
      defaultHeaders: { "floopy-session-id": session },
    });
    await anthropic.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 64,
      system: "Answer in French.",
      messages: [{ role: "user", content: "from anthropic" }],
    });
    const body = await sessionOf(key, session);
    expect(body.turn_count).toBe(2);
    expect(
      body.messages.map((message: { role: string; content: string }) => [message.role, message.content]),
    ).toEqual([
      ["user", "from openai"],
      ["assistant", "Echo: from openai"],
      ["system", "Answer in French."],
      ["user", "from anthropic"],
      ["assistant", "Echo: from anthropic"],
    ]);
  });

  it("answers another org's session exactly as a missing one, and the alias path the same", async () => {
    const session = `s-${randomBytes(6).toString("hex")}`;
    await client(key, session).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "private" }],
    });
    const foreign = await getSession(otherKey, session);
    const missing = await getSession(otherKey, "no-such-session");
    expect(foreign.status).toBe(404);
    const foreignText = await foreign.text();
    expect(foreignText.replace(session, "X")).toBe((await missing.text()).replace("no-such-session", "X"));
    expect(JSON.parse(foreignText).error.code).toBe("not_found");
    const alias = await fetch(`${test.gateway.url}/v1/sessions/${session}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await alias.json()) as SessionBody).turn_count).toBe(1);
  });

  it("keeps no content for an org whose logging says none, and redacts secrets where it does", async () => {
    const quiet = `s-${randomBytes(6).toString("hex")}`;
    await client(quietKey, quiet).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "nothing kept" }],
    });
    const body = await sessionOf(quietKey, quiet);
    expect(body.turn_count).toBe(1);
    expect(body.messages).toEqual([]);

    const secret = `sk-${randomBytes(20).toString("hex")}`;
    const session = `s-${randomBytes(6).toString("hex")}`;
    await client(key, session).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `my key is ${secret}` }],
    });
    const text = await (await getSession(key, session)).text();
    expect(text).not.toContain(secret);
    expect(text).toContain("[REDACTED]");
  });

  it("records no turn for a failed request", async () => {
    const session = `s-${randomBytes(6).toString("hex")}`;
    const failing = client(key, session);
    await expect(
      failing.chat.completions.create({
        model: "no-such-model-anywhere",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toThrow();
    expect((await getSession(key, session)).status).toBe(404);
  });
});
