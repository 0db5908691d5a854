import { GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGemini, startFakeGemini } from "./fake-gemini.js";

let fake: FakeGemini;
let ai: GoogleGenAI;
const models = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"];

beforeAll(async () => {
  fake = await startFakeGemini({ apiKey: "AIza-test", models });
  ai = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: fake.url } });
});
afterAll(() => fake.close());

describe("fake Gemini model list through @google/genai", () => {
  it("lists every model across pages, in Google's shape", async () => {
    const pager = await ai.models.list({ config: { pageSize: 2 } });
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? "");
    expect(names).toEqual(models.map((id) => `models/${id}`));
    const paths = fake.requests.map((request) => request.path);
    expect(paths).toEqual(["/v1beta/models", "/v1beta/models"]);
    expect(fake.requests[1]?.query.get("pageToken")).toBeTruthy();
  });

  it("retrieves one model with its limits and methods", async () => {
    const model = await ai.models.get({ model: "gemini-2.5-pro" });
    expect(model).toMatchObject({ name: "models/gemini-2.5-pro", displayName: "Gemini 2.5 Pro" });
    expect(model.inputTokenLimit).toBeGreaterThan(0);
    expect(model.supportedActions).toContain("generateContent");
    await expect(ai.models.get({ model: "gemini-nope" })).rejects.toThrow(/not found/);
  });
});
