/**
 * Rate limits and budgets end to end (docs/limits.md), over real sockets, with the official
 * clients as callers, on both shared-state backends: the embedded default's memory and Redis.
 * Keys and their limits come from the config file, as operators write them; every test uses its
 * own org, so tests and runs sharing one Redis never count each other's requests.
 */
import { createHash, randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { sharedStateBackends } from "./support/shared-state-backends.js";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

const hash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const newKey = () => `fp_${randomBytes(16).toString("hex")}`;

interface LimitedKey {
  name: string;
  key: string;
  fields?: string;
}

function configText(org: string, keys: LimitedKey[], extra: string[] = []): (backupUrl: string) => string {
  return (backupUrl) =>
    [
      "providers:",
      `  backup: { type: openai-compatible, base_url: "${backupUrl}", api_key: sk-backup-secret-1234567890, models: [backup-model] }`,
      "keys:",
      ...keys.map(
        (entry) =>
          `  - { name: ${entry.name}, hash: "${hash(entry.key)}", org: ${org}${entry.fields ? `, ${entry.fields}` : ""} }`,
      ),
      ...extra,
      "",
    ].join("\n");
}

function openai(test: TestGateway, key: string): OpenAI {
  return new OpenAI({ baseURL: `${test.gateway.url}/v1`, apiKey: key, maxRetries: 0 });
}

async function chat(test: TestGateway, key: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${test.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...body }),
  });
}

for (const backend of sharedStateBackends()) {
  describe(`limits on ${backend.name}`, () => {
    let test: TestGateway | undefined;
    const start = async (keys: LimitedKey[], extra: string[] = [], env: Record<string, string> = {}) => {
      // An org of its own per test: on Redis, counters outlive the gateway that made them.
      const org = `org-${randomBytes(6).toString("hex")}`;
      test = await startTestGateway({
        env: { ...backend.env(), ...env },
        configText: configText(org, keys, extra),
      });
      return test;
    };
    afterEach(async () => {
      await test?.close();
      test = undefined;
    });

    it("admits exactly a key's rpm of a concurrent burst; the rest get 429 with whole-second Retry-After", async () => {
      const key = newKey();
      const gateway = await start([{ name: "five", key, fields: "rpm: 5" }]);
      const answers = await Promise.all(Array.from({ length: 20 }, () => chat(gateway, key)));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(15);
      for (const answer of answers) {
        expect(answer.headers.get("x-ratelimit-limit-requests")).toBe("5");
        if (answer.status !== 429) continue;
        expect(answer.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
        expect(answer.headers.get("x-ratelimit-remaining-requests")).toBe("0");
        expect(answer.headers.get("x-should-retry")).toBe("true");
        const body = (await answer.json()) as { error: { code: string; type: string; message: string } };
        expect(body.error.code).toBe("RATE_LIMIT_EXCEEDED");
        expect(body.error.type).toBe("rate_limit_error");
        expect(body.error.message).toContain("5 requests per minute");
      }
      const remaining = answers
        .filter((answer) => answer.status === 200)
        .map((answer) => Number(answer.headers.get("x-ratelimit-remaining-requests")))
        .sort();
      expect(remaining).toEqual([0, 1, 2, 3, 4]);
    });

    it("answers the official clients' own rate-limit errors, in each protocol's shape", async () => {
      const key = newKey();
      const gateway = await start([{ name: "one", key, fields: "rpm: 1" }]);
      const client = openai(gateway, key);
      await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "a" }],
      });
      const error = await client.chat.completions
        .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "b" }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("RATE_LIMIT_EXCEEDED");

      const anthropic = new Anthropic({ baseURL: gateway.gateway.url, apiKey: key, maxRetries: 0 });
      const refused = await anthropic.messages
        .create({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "c" }] })
        .catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
      const rateLimited = refused as InstanceType<typeof Anthropic.RateLimitError>;
      expect(rateLimited.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      expect(rateLimited.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(JSON.stringify(rateLimited.error)).toContain("rate_limit_error");
    });

    it("refuses a request whose token reservation cannot fit, and settles reservations with real usage", async () => {
      const key = newKey();
      const gateway = await start([{ name: "tokens", key, fields: "tpm: 1000" }]);
      const tooBig = await chat(gateway, key, { max_tokens: 2000 });
      expect(tooBig.status).toBe(429);
      expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe("USAGE_LIMIT_EXCEEDED");
      expect(tooBig.headers.get("x-ratelimit-limit-tokens")).toBe("1000");

      // Each reserves its prompt + 400; the fake answers with a handful of tokens.
      const first = await chat(gateway, key, { max_tokens: 400 });
      expect(first.status).toBe(200);
      const firstRemaining = Number(first.headers.get("x-ratelimit-remaining-tokens"));
      expect(firstRemaining).toBeLessThanOrEqual(600);
      await storedRecord(gateway, first.headers.get("floopy-request-id") ?? "");
      const second = await chat(gateway, key, { max_tokens: 400 });
      expect(second.status).toBe(200);
      // Without settlement two reservations would leave at most 200; the first gave back what it did not use.
      expect(Number(second.headers.get("x-ratelimit-remaining-tokens"))).toBeGreaterThan(500);
      await storedRecord(gateway, second.headers.get("floopy-request-id") ?? "");
      const third = await chat(gateway, key, { max_tokens: 400 });
      expect(third.status).toBe(200);
    });

    it("carries the headers on streams and bills a stream for what it produced", async () => {
      const key = newKey();
      const gateway = await start([{ name: "stream", key, fields: "tpm: 5000" }]);
      const answer = await chat(gateway, key, { stream: true, max_tokens: 1000 });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-ratelimit-limit-tokens")).toBe("5000");
      await answer.text();
      const record = await storedRecord(gateway, answer.headers.get("floopy-request-id") ?? "");
      const used = record.usage?.totalTokens ?? 0;
      expect(used).toBeGreaterThan(0);
      const next = await chat(gateway, key, { max_tokens: 1000 });
      const reservation = 5000 - Number(next.headers.get("x-ratelimit-remaining-tokens")) - used;
      // What is left is the limit minus the stream's real tokens and the new reservation (about 1001).
      expect(reservation).toBeGreaterThan(1000);
      expect(reservation).toBeLessThan(1010);
    });

    it("holds a monthly budget, refuses without retry once it is spent, and keeps it over a restart", async () => {
      const key = newKey();
      // One USD per token makes the arithmetic visible: the budget is 60 tokens of spend.
      const pricing = ["models:", '  "openai/gpt-4o-mini": { pricing: { input: 1000000, output: 1000000 } }'];
      const gateway = await start([{ name: "budget", key, fields: "monthly_budget_usd: 60" }], pricing);
      const spent: number[] = [];
      let refusal: Response | undefined;
      for (let index = 0; index < 20 && refusal === undefined; index++) {
        const answer = await chat(gateway, key, { max_tokens: 8 });
        if (answer.status === 429) refusal = answer;
        else {
          expect(answer.status).toBe(200);
          const record = await storedRecord(gateway, answer.headers.get("floopy-request-id") ?? "");
          spent.push(record.costUsd ?? Number.NaN);
        }
      }
      expect(refusal).toBeDefined();
      if (!refusal) throw new Error("the budget never refused");
      const body = (await refusal.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("MONTHLY_LIMIT_EXCEEDED");
      expect(body.error.message).toContain("60.00 USD");
      expect(refusal.headers.get("x-should-retry")).toBe("false");
      expect(spent.length).toBeGreaterThan(0);
      expect(spent.reduce((sum, cost) => sum + cost, 0)).toBeLessThanOrEqual(60);

      if (backend.name === "memory") {
        // The same data directory: the month's spend is rebuilt from the records.
        const dataDir = gateway.dataDir;
        await gateway.gateway.close();
        const { loadConfig } = await import("../src/config/load-config.js");
        const { startGateway } = await import("../src/gateway.js");
        const { pino } = await import("pino");
        const again = await startGateway({
          config: loadConfig({
            FLOOPY_PORT: "0",
            FLOOPY_DATA_DIR: dataDir,
            FLOOPY_CONFIG: `${dataDir}/floopy.yaml`,
            OPENAI_API_KEY: "sk-canary-provider-secret-4f9d2a7c1e",
            OPENAI_BASE_URL: gateway.fake.url,
          }),
          logger: pino({ level: "silent" }),
        });
        try {
          const after = await fetch(`${again.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({
              model: "gpt-4o-mini",
              max_tokens: 8,
              messages: [{ role: "user", content: "hi" }],
            }),
          });
          expect(after.status).toBe(429);
          expect(((await after.json()) as { error: { code: string } }).error.code).toBe(
            "MONTHLY_LIMIT_EXCEEDED",
          );
        } finally {
          await again.close();
          await Promise.all([gateway.fake.close(), gateway.backup.close()]);
          test = undefined;
        }
      }
    });

    it("refuses an unpriced model under a budget instead of metering it as free", async () => {
      const key = newKey();
      const gateway = await start([{ name: "budget", key, fields: "monthly_budget_usd: 5" }]);
      const answer = await chat(gateway, key, { model: "backup/backup-model" });
      expect(answer.status).toBe(403);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("FORBIDDEN");
      expect(body.error.message).toContain("backup/backup-model has no price");
    });

    it("applies the config file's org limits to the org's keys together", async () => {
      const [a, b] = [newKey(), newKey()];
      const gateway = await start(
        [
          { name: "a", key: a },
          { name: "b", key: b },
        ],
        ["limits:", "  org_rpm: 3"],
      );
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, index) => chat(gateway, index % 2 ? a : b)),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
      const refused = answers.find((answer) => answer.status === 429);
      if (!refused) throw new Error("no request was refused");
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
        "organization's limit is 3 requests per minute",
      );
    });

    it("enforces the org's constraints from PUT /v1/constraints on the next request, and clears them with null", async () => {
      const [a, b] = [newKey(), newKey()];
      const gateway = await start([
        { name: "a", key: a },
        { name: "b", key: b },
      ]);
      const put = (body: Record<string, unknown>) =>
        fetch(`${gateway.gateway.url}/v1/constraints`, {
          method: "PUT",
          headers: { authorization: `Bearer ${a}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await put({ max_requests_per_minute: 2 })).status).toBe(200);
      const answers = [];
      for (const key of [a, b, a, b]) answers.push(await chat(gateway, key));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429, 429]);
      expect(answers[2]?.headers.get("x-ratelimit-limit-requests")).toBe("2");
      // A token window of its own: an hour of 50 tokens refuses a reservation of prompt + 100.
      expect((await put({ max_tokens_per_window: 50, token_window_seconds: 3600 })).status).toBe(200);
      const tokens = await chat(gateway, b, { max_tokens: 100 });
      expect(tokens.status).toBe(429);
      expect(((await tokens.json()) as { error: { code: string } }).error.code).toBe("USAGE_LIMIT_EXCEEDED");
      expect((await put({ max_tokens_per_window: null, token_window_seconds: null })).status).toBe(200);
      expect((await chat(gateway, b, { max_tokens: 100 })).status).toBe(200);
    });

    it("does not limit model lists and token counts", async () => {
      const key = newKey();
      const gateway = await start([{ name: "one", key, fields: "rpm: 1" }]);
      for (let index = 0; index < 3; index++) {
        const models = await fetch(`${gateway.gateway.url}/v1/models`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(models.status).toBe(200);
      }
      expect((await chat(gateway, key)).status).toBe(200);
      expect((await chat(gateway, key)).status).toBe(429);
    });
  });
}
