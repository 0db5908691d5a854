/**
 * docs/requests.md promises `Floopy-Request-Id` (and `x-request-id`) on every response. Health,
 * readiness and metrics are answered outside the pipeline that sets it on the others, so each kind
 * of answer is checked here: those three, a generation answer, an error, an unknown route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("Floopy-Request-Id on every response", () => {
  let test: TestGateway;

  beforeAll(async () => {
    test = await startTestGateway();
  });

  afterAll(async () => {
    await test.close();
  });

  const calls: Array<[string, string, RequestInit, number]> = [
    ["GET /healthz", "/healthz", {}, 200],
    ["GET /readyz", "/readyz", {}, 200],
    ["GET /metrics", "/metrics", {}, 200],
    [
      "POST /v1/chat/completions",
      "/v1/chat/completions",
      {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
      },
      200,
    ],
    ["a 401", "/v1/models", {}, 401],
    ["an unknown route", "/nowhere", {}, 404],
  ];

  for (const [name, path, init, status] of calls) {
    it(`is on ${name}`, async () => {
      const response = await fetch(`${test.gateway.url}${path}`, init);
      await response.arrayBuffer();
      expect(response.status).toBe(status);
      const id = response.headers.get("floopy-request-id");
      expect(id).toMatch(REQUEST_ID);
      expect(response.headers.get("x-request-id")).toBe(id);
    });
  }

  it("is a new id for each health check", async () => {
    const first = await fetch(`${test.gateway.url}/healthz`);
    const second = await fetch(`${test.gateway.url}/healthz`);
    expect(first.headers.get("floopy-request-id")).not.toBe(second.headers.get("floopy-request-id"));
  });
});
