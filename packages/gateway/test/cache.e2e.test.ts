/**
 * The answer cache end to end (docs/cache.md), over real sockets with the official clients, on
 * both shared-state backends: exact keys and what is (not) in them, tenancy, TTLs on an
 * injectable clock, what is never stored, replay in every caller protocol as JSON and as a
 * stream, buckets, the semantic and conversation tiers, and a hit served by a second instance
 * sharing Redis. Every test runs in its own org, so entries never leak between tests or runs.
 */
import { createHash, randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { sharedStateBackends } from "./support/shared-state-backends.js";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const newKey = () => `fp_${randomBytes(16).toString("hex")}`;

interface Setup {
  test: TestGateway;
  key: string;
  /** A key of another org. */
  otherOrgKey: string;
  /** A key of the same org locked to another project. */
  otherProjectKey: string;
  clock: { now: number };
  chat(body?: Record<string, unknown>, headers?: Record<string, string>, key?: string): Promise<Response>;
  upstreamCalls(): number;
}

const question = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "What is the capital of France?" }],
};

for (const backend of sharedStateBackends()) {
  describe(`cache on ${backend.name}`, () => {
    const open: TestGateway[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((test) => test.close()));
    });

    async function start(
      cache = "cache: { enabled: true }",
      env: Record<string, string> = {},
    ): Promise<Setup> {
      const org = `org-${randomBytes(6).toString("hex")}`;
      const [key, otherOrgKey, otherProjectKey] = [newKey(), newKey(), newKey()];
      const clock = { now: Date.now() };
      const test = await startTestGateway({
        env: { ...backend.env(), ...env },
        clock: () => clock.now,
        configText: [
          "keys:",
          // Project ids are global: each test's own.
          `  - { name: main, hash: "${hash(key)}", org: ${org}, project: ${org}-alpha }`,
          `  - { name: other-org, hash: "${hash(otherOrgKey)}", org: ${org}-other, project: ${org}-other }`,
          `  - { name: other-project, hash: "${hash(otherProjectKey)}", org: ${org}, project: ${org}-beta }`,
          cache,
          "",
        ].join("\n"),
      });
      open.push(test);
      let replies = 0;
      test.fake.setReply(() => ({ content: `answer ${++replies}` }));
      return {
        test,
        key,
        otherOrgKey,
        otherProjectKey,
        clock,
        chat: (body = {}, headers = {}, as = key) =>
          fetch(`${test.gateway.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${as}`, "content-type": "application/json", ...headers },
            body: JSON.stringify({ ...question, ...body }),
          }),
        upstreamCalls: () =>
          test.fake.requests.filter((request) => request.path.endsWith("/chat/completions")).length,
      };
    }

    const content = async (answer: Response) =>
      ((await answer.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message
        .content;

    it("answers a repeat from the exact cache: HIT-EXACT, no provider call, cost 0 and the saving recorded", async () => {
      const setup = await start();
      const first = await setup.chat();
      expect(first.headers.get("floopy-cache-status")).toBe("MISS");
      expect(await content(first)).toBe("answer 1");
      const second = await setup.chat();
      expect(second.status).toBe(200);
      expect(second.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      expect(second.headers.get("floopy-provider")).toBe("openai");
      expect(second.headers.get("floopy-model")).toBe("gpt-4o-mini");
      expect(await content(second)).toBe("answer 1");
      expect(setup.upstreamCalls()).toBe(1);
      const record = await storedRecord(setup.test, String(second.headers.get("floopy-request-id")));
      expect(record.cacheStatus).toBe("HIT-EXACT");
      expect(record).toMatchObject({ provider: "openai", model: "gpt-4o-mini", status: 200 });
      expect(record.costUsd).toBe(0);
      expect(record.costSavedUsd).toBeGreaterThan(0);
      const missed = await storedRecord(setup.test, String(first.headers.get("floopy-request-id")));
      expect(missed.cacheStatus).toBe("MISS");
      expect(missed.costUsd).toBeGreaterThan(0);
    });

    it("is consulted only when asked: no status header without the config or a header", async () => {
      const setup = await start("");
      const plain = await setup.chat();
      expect(plain.headers.get("floopy-cache-status")).toBeNull();
      await setup.chat({}, { "floopy-cache": "exact" });
      const asked = await setup.chat({}, { "floopy-cache": "exact" });
      expect(asked.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      const disabled = await setup.chat({}, { "floopy-cache-enabled": "false" });
      expect(disabled.headers.get("floopy-cache-status")).toBeNull();
      const bad = await setup.chat({}, { "floopy-cache": "sometimes" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("Floopy-Cache");
    });

    it("keys on every field that changes the answer, and on none that does not", async () => {
      const setup = await start();
      await setup.chat();
      for (const changed of [
        { temperature: 0.3 },
        { max_tokens: 17 },
        { response_format: { type: "json_object" } },
        { seed: 4 },
        { tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }] },
        { messages: [{ role: "user", content: "What is the capital of Spain?" }] },
        { model: "gpt-4o" },
      ]) {
        const answer = await setup.chat(changed);
        expect(answer.headers.get("floopy-cache-status"), JSON.stringify(changed)).toBe("MISS");
      }
      for (const unchanged of [{ user: "someone-else" }, { metadata: { trace: "x" } }, { store: false }]) {
        const answer = await setup.chat(unchanged);
        expect(answer.headers.get("floopy-cache-status"), JSON.stringify(unchanged)).toBe("HIT-EXACT");
      }
      const property = await setup.chat({}, { "floopy-property-team": "search" });
      expect(property.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      const seeded = await setup.chat({}, { "floopy-cache-seed": "run-2" });
      expect(seeded.headers.get("floopy-cache-status")).toBe("MISS");
      await setup.chat({ temperature: 0.9 }, { "floopy-cache-ignore-keys": "temperature" });
      const ignored = await setup.chat({ temperature: 0.1 }, { "floopy-cache-ignore-keys": "temperature" });
      expect(ignored.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
    });

    it("never answers one org, or one project, from another's entry", async () => {
      const setup = await start();
      await setup.chat();
      const otherOrg = await setup.chat({}, {}, setup.otherOrgKey);
      expect(otherOrg.headers.get("floopy-cache-status")).toBe("MISS");
      expect(await content(otherOrg)).toBe("answer 2");
      const otherProject = await setup.chat({}, {}, setup.otherProjectKey);
      expect(otherProject.headers.get("floopy-cache-status")).toBe("MISS");
      expect(await content(otherProject)).toBe("answer 3");
      // The caller cannot move into another tenant with a header: a locked key's project wins.
      const moved = await setup.chat({}, { "floopy-project-id": "some-other-project" });
      expect(moved.status).toBe(403);
    });

    it("expires entries by the config's TTL and Cache-Control max-age; no-store keeps nothing", async () => {
      const setup = await start("cache: { enabled: true, ttl_seconds: 60 }");
      await setup.chat();
      setup.clock.now += 59_000;
      expect((await setup.chat()).headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      setup.clock.now += 2_000;
      expect((await setup.chat()).headers.get("floopy-cache-status")).toBe("MISS");

      const short = { messages: [{ role: "user", content: "short-lived" }] };
      await setup.chat(short, { "cache-control": "max-age=5" });
      setup.clock.now += 4_000;
      expect((await setup.chat(short)).headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      setup.clock.now += 2_000;
      expect((await setup.chat(short)).headers.get("floopy-cache-status")).toBe("MISS");

      const secret = { messages: [{ role: "user", content: "do not keep" }] };
      await setup.chat(secret, { "cache-control": "no-store" });
      expect(
        (await setup.chat(secret, { "cache-control": "no-store" })).headers.get("floopy-cache-status"),
      ).toBe("MISS");
      const fresh = await setup.chat(secret, { "cache-control": "no-cache" });
      expect(fresh.headers.get("floopy-cache-status")).toBe("MISS");
      expect((await setup.chat(secret)).headers.get("floopy-cache-status")).toBe("HIT-EXACT");
    });

    it("never stores an error, an in-band error or a truncated stream", async () => {
      const setup = await start();
      setup.test.fake.pushFault({ kind: "status", status: 400, message: "bad" });
      expect((await setup.chat()).status).toBe(400);
      expect((await setup.chat()).headers.get("floopy-cache-status")).toBe("MISS");

      const client = new OpenAI({
        baseURL: `${setup.test.gateway.url}/v1`,
        apiKey: setup.key,
        maxRetries: 0,
      });
      const streamed = {
        model: "gpt-4o-mini",
        messages: [{ role: "user" as const, content: "stream me a long answer" }],
      };
      setup.test.fake.setReply(() => ({ content: "one two three four five six seven eight nine ten" }));
      for (const fault of [
        { kind: "disconnect-mid-stream", afterChunks: 2 } as const,
        { kind: "in-band-error", afterChunks: 2 } as const,
      ]) {
        setup.test.fake.pushFault(fault);
        await expect(
          (async () => {
            for await (const _chunk of await client.chat.completions.create({ ...streamed, stream: true })) {
              // drain
            }
          })(),
        ).rejects.toThrow();
        const calls = setup.upstreamCalls();
        const after = await setup.chat(streamed);
        expect(after.headers.get("floopy-cache-status"), fault.kind).toBe("MISS");
        expect(setup.upstreamCalls()).toBe(calls + 1);
        await setup.test.fake.reset();
        setup.test.fake.setReply(() => ({ content: "one two three four five six seven eight nine ten" }));
        // What that MISS stored is not what this loop checks: start from a different prompt.
        streamed.messages[0] = { role: "user", content: `${streamed.messages[0]?.content} again` };
      }
    });

    it("replays a JSON entry as a stream and a streamed entry as JSON, through the OpenAI client", async () => {
      const setup = await start();
      const client = new OpenAI({
        baseURL: `${setup.test.gateway.url}/v1`,
        apiKey: setup.key,
        maxRetries: 0,
      });
      const body = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "json first" }] };
      const json = await client.chat.completions.create(body);
      const { data: stream, response } = await client.chat.completions
        .create({ ...body, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      expect(response.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      let text = "";
      let usage: unknown = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(json.choices[0]?.message.content);
      expect(usage).toMatchObject({ prompt_tokens: json.usage?.prompt_tokens });

      const streamedFirst = {
        model: "gpt-4o-mini",
        messages: [{ role: "user" as const, content: "stream first" }],
      };
      let streamedText = "";
      for await (const chunk of await client.chat.completions.create({ ...streamedFirst, stream: true })) {
        streamedText += chunk.choices[0]?.delta.content ?? "";
      }
      const { data: replayed, response: replayedResponse } = await client.chat.completions
        .create(streamedFirst)
        .withResponse();
      expect(replayedResponse.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
      expect(replayed.choices[0]?.message.content).toBe(streamedText);
      expect(replayed.choices[0]?.finish_reason).toBe("stop");
    });

    it("replays well-formed streams to the Anthropic, Gemini and Responses clients", async () => {
      const setup = await start();
      const url = setup.test.gateway.url;
      const anthropic = new Anthropic({ baseURL: url, apiKey: setup.key, maxRetries: 0 });
      const ask = {
        model: "gpt-4o-mini",
        max_tokens: 64,
        messages: [{ role: "user" as const, content: "anthropic caller" }],
      };
      const first = await anthropic.messages.create(ask);
      const replay = anthropic.messages.stream(ask);
      const final = await replay.finalMessage();
      expect(final.content).toEqual(first.content);
      expect(final.stop_reason).toBe("end_turn");

      const gemini = new GoogleGenAI({ apiKey: setup.key, httpOptions: { baseUrl: url } });
      const prompt = { model: "gpt-4o-mini", contents: "gemini caller" };
      const answer = await gemini.models.generateContent(prompt);
      let streamed = "";
      for await (const chunk of await gemini.models.generateContentStream(prompt))
        streamed += chunk.text ?? "";
      expect(streamed).toBe(answer.text);

      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: setup.key, maxRetries: 0 });
      const input = { model: "gpt-4o-mini", input: "responses caller" };
      const created = await openai.responses.create(input);
      let text = "";
      let completed = false;
      for await (const event of await openai.responses.create({ ...input, stream: true })) {
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") completed = true;
      }
      expect(completed).toBe(true);
      expect(text).toBe(created.output_text);
      expect(setup.upstreamCalls()).toBe(2); // the Anthropic and Gemini callers' first calls
    });

    it("keeps up to N answers per bucket: misses until full, then one of them at random", async () => {
      const setup = await start();
      const headers = { "floopy-cache-bucket-max-size": "3" };
      const seen = new Set<string>();
      for (let index = 0; index < 3; index++) {
        const answer = await setup.chat({}, headers);
        expect(answer.headers.get("floopy-cache-status")).toBe("MISS");
        seen.add(String(await content(answer)));
      }
      expect(seen).toEqual(new Set(["answer 1", "answer 2", "answer 3"]));
      const served = new Set<string>();
      for (let index = 0; index < 30; index++) {
        const answer = await setup.chat({}, headers);
        expect(answer.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
        served.add(String(await content(answer)));
      }
      expect(setup.upstreamCalls()).toBe(3);
      expect(served.size).toBeGreaterThan(1);
      for (const answer of served) expect(seen.has(answer)).toBe(true);
      const bad = await setup.chat({}, { "floopy-cache-bucket-max-size": "0" });
      expect(bad.status).toBe(400);
    });

    it("answers paraphrases from the semantic tier and different questions from the provider", async () => {
      const setup = await start("cache: { enabled: true, mode: semantic }");
      await setup.chat();
      const paraphrase = await setup.chat({
        messages: [{ role: "user", content: "what's the capital of France" }],
      });
      expect(paraphrase.headers.get("floopy-cache-status")).toBe("HIT-SEMANTIC");
      expect(await content(paraphrase)).toBe("answer 1");
      const different = await setup.chat({
        messages: [{ role: "user", content: "What is the capital of Germany?" }],
      });
      expect(different.headers.get("floopy-cache-status")).toBe("MISS");
      // Parameters partition the semantic scope as they do the exact key.
      const hotter = await setup.chat({
        temperature: 1.5,
        messages: [{ role: "user", content: "what's the capital of France" }],
      });
      expect(hotter.headers.get("floopy-cache-status")).toBe("MISS");
      // Another org never gets a semantic hit from this one's entries.
      const otherOrg = await setup.chat(
        { messages: [{ role: "user", content: "what's the capital of France" }] },
        {},
        setup.otherOrgKey,
      );
      expect(otherOrg.headers.get("floopy-cache-status")).toBe("MISS");
      const record = await storedRecord(setup.test, String(paraphrase.headers.get("floopy-request-id")));
      expect(record.decision?.cache?.similarity).toBeGreaterThan(0.9);
    });

    it("skips the semantic tier for requests with tools, and for a per-request exact choice", async () => {
      const setup = await start("cache: { enabled: true, mode: semantic }");
      const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
      await setup.chat({ tools });
      const paraphrase = await setup.chat({
        tools,
        messages: [{ role: "user", content: "what's the capital of France" }],
      });
      expect(paraphrase.headers.get("floopy-cache-status")).toBe("MISS");
      await setup.chat({ messages: [{ role: "user", content: "How do I reverse a list in Python?" }] });
      const exactOnly = await setup.chat(
        { messages: [{ role: "user", content: "how to reverse a list in python" }] },
        { "floopy-cache": "exact" },
      );
      expect(exactOnly.headers.get("floopy-cache-status")).toBe("MISS");
    });

    it("embeds through an embedding model when the config names one, once per request", async () => {
      const setup = await start(
        "cache: { enabled: true, mode: semantic, embedder: openai/text-embedding-3-small }",
      );
      const embeddings = () =>
        setup.test.fake.requests.filter((request) => request.path.endsWith("/embeddings"));
      await setup.chat();
      expect(embeddings()).toHaveLength(1);
      expect(embeddings()[0]?.body).toMatchObject({ model: "text-embedding-3-small" });
      // The same text as content parts: another exact key, the same embedding.
      const parts = await setup.chat({
        messages: [{ role: "user", content: [{ type: "text", text: "What is the capital of France?" }] }],
      });
      expect(parts.headers.get("floopy-cache-status")).toBe("HIT-SEMANTIC");
      expect(embeddings()).toHaveLength(2);
      expect(setup.upstreamCalls()).toBe(1);
    });

    it("leaves conversations longer than semantic_max_messages to the exact tier", async () => {
      const setup = await start("cache: { enabled: true, mode: semantic, semantic_max_messages: 2 }");
      const long = (last: string) => ({
        messages: [
          { role: "user", content: "Hello there." },
          { role: "assistant", content: "Hi! How can I help?" },
          { role: "user", content: last },
        ],
      });
      await setup.chat(long("What is the capital of France?"));
      const paraphrase = await setup.chat(long("what's the capital of France"));
      expect(paraphrase.headers.get("floopy-cache-status")).toBe("MISS");
    });

    it("matches long conversations turn by turn in the conversation tier", async () => {
      const setup = await start("cache: { enabled: true, conversation: true }");
      const turns = (last: string, first = "I am planning a trip to Europe next spring.") => ({
        messages: [
          { role: "user", content: first },
          { role: "assistant", content: "That sounds lovely. Which countries are you considering?" },
          { role: "user", content: "France and Italy, mostly for the food and museums." },
          { role: "assistant", content: "Both are wonderful choices for food and art." },
          { role: "user", content: last },
        ],
      });
      await setup.chat(turns("What is the capital of France?"));
      const close = await setup.chat(turns("what's the capital of France"));
      expect(close.headers.get("floopy-cache-status")).toBe("HIT-SEMANTIC");
      const otherStart = await setup.chat(
        turns("what's the capital of France", "My cat refuses to eat her dinner tonight."),
      );
      expect(otherStart.headers.get("floopy-cache-status")).toBe("MISS");
    });

    if (backend.name === "redis") {
      it("serves a hit from a second instance sharing Redis", async () => {
        const setup = await start();
        const [mainKey] = [setup.key];
        await setup.chat();
        // The same org and key on a second gateway with the same Redis.
        const known = setup.test.gateway.services.snapshot.keyByHash(hash(mainKey));
        const org = known?.orgId;
        expect(org).toBeDefined();
        const second = await startTestGateway({
          env: backend.env(),
          configText: [
            "keys:",
            `  - { name: main, hash: "${hash(mainKey)}", org: ${org}, project: ${known?.projectId} }`,
            "cache: { enabled: true }",
            "",
          ].join("\n"),
        });
        open.push(second);
        const answer = await fetch(`${second.gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${mainKey}`, "content-type": "application/json" },
          body: JSON.stringify(question),
        });
        expect(answer.headers.get("floopy-cache-status")).toBe("HIT-EXACT");
        expect(await content(answer)).toBe("answer 1");
        expect(second.fake.requests).toHaveLength(0);
      });
    }
  });
}
