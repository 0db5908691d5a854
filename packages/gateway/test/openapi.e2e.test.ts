/**
 * `GET /openapi.json` (issue: one source of truth): every own-API and admin route the server
 * registers is in the description, with the request body schema its handler validates with, and
 * nothing is described that the server does not serve. A route added without a description fails
 * here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentedRoutes, openApiPath, ROUTE_DOCS, routeKey } from "../src/http/openapi.js";
import { feedbackBodySchema } from "../src/platform/feedback.js";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

let test: TestGateway;

beforeAll(async () => {
  test = await startTestGateway();
});

afterAll(async () => {
  await test?.close();
});

interface Operation {
  summary: string;
  requestBody?: {
    content: { "application/json": { schema: { properties?: Record<string, Record<string, unknown>> } } };
  };
  parameters?: Array<{ name: string; in: string }>;
}

describe("openapi.json", () => {
  it("describes every own-API and admin route the server serves, and nothing else", async () => {
    const answer = await fetch(`${test.gateway.url}/openapi.json`);
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    };
    expect(document.openapi).toBe("3.1.0");
    const described = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) described.add(`${method.toUpperCase()} ${path}`);
    }
    const served = documentedRoutes.map((route) => `${route.method} ${openApiPath(route.url)}`);
    expect([...described].sort()).toEqual([...new Set(served)].sort());
    const undocumented = documentedRoutes
      .filter((route) => ROUTE_DOCS[routeKey(route)] === undefined)
      .map(routeKey);
    expect(undocumented).toEqual([]);
    const stale = Object.keys(ROUTE_DOCS).filter(
      (key) => !documentedRoutes.some((route) => routeKey(route) === key),
    );
    expect(stale).toEqual([]);
    for (const platform of [
      "/v1/feedback",
      "/v1/prompts",
      "/v1/experiments",
      "/v1/evaluations",
      "/v1/datasets",
    ]) {
      expect(document.paths[platform]?.post?.requestBody, platform).toBeDefined();
    }
    expect(document.paths["/v1/experiments"]?.post?.parameters).toContainEqual(
      expect.objectContaining({ name: "X-Floopy-Confirm", in: "header" }),
    );
  });

  it("takes request bodies from the schemas the routes validate with", async () => {
    const document = (await (await fetch(`${test.gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const score =
      document.paths["/v1/feedback"]?.post?.requestBody?.content["application/json"].schema.properties?.score;
    expect(score).toMatchObject({ type: "number", minimum: 0, maximum: 10 });
    expect(feedbackBodySchema.safeParse({ score: 11 }).success).toBe(false);
    const keys =
      document.paths["/admin/keys"]?.post?.requestBody?.content["application/json"].schema.properties;
    expect(Object.keys(keys ?? {})).toEqual(expect.arrayContaining(["name", "rpm", "monthly_budget_usd"]));
  });
});
