import { GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGemini, startFakeGemini } from "./fake-gemini.js";

let fake: FakeGemini;
let ai: GoogleGenAI;

beforeAll(async () => {
  fake = await startFakeGemini({ apiKey: "AIza-test" });
  ai = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: fake.url } });
});
afterAll(() => fake.close());

describe("fake Gemini through @google/genai", () => {
  it("generates content and records the request", async () => {
    const response = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "héllo gemini" });
    expect(response.text).toBe("Echo: héllo gemini");
    expect(response.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(fake.lastRequest()?.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
  });

  it("streams whole-response chunks over ?alt=sse with CRLF framing", async () => {
    const chunks = await ai.models.generateContentStream({
      model: "gemini-2.5-flash",
      contents: "one two three",
    });
    let text = "";
    let finish: string | undefined;
    for await (const chunk of chunks) {
      text += chunk.text ?? "";
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
    expect(text).toBe("Echo: one two three");
    expect(finish).toBe("STOP");
    expect(fake.lastRequest()?.query.get("alt")).toBe("sse");
  });

  it("returns function calls, counts tokens and embeds", async () => {
    fake.setReply(() => ({ functionCalls: [{ name: "weather", args: { city: "Paris" } }] }));
    const response = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "weather?" });
    fake.setReply(undefined);
    expect(response.functionCalls?.[0]).toMatchObject({ name: "weather", args: { city: "Paris" } });
    const count = await ai.models.countTokens({ model: "gemini-2.5-flash", contents: "count these words" });
    expect(count.totalTokens).toBeGreaterThan(0);
    const embedded = await ai.models.embedContent({ model: "gemini-embedding-001", contents: ["a", "b"] });
    expect(embedded.embeddings).toHaveLength(2);
  });

  it("answers errors and faults as Gemini does", async () => {
    const wrong = new GoogleGenAI({ apiKey: "nope", httpOptions: { baseUrl: fake.url } });
    await expect(wrong.models.generateContent({ model: "gemini-2.5-flash", contents: "x" })).rejects.toThrow(
      /API key not valid/,
    );
    fake.pushFault({ kind: "rate-limit", retryAfterSeconds: 2 });
    await expect(
      ai.models.generateContent({ model: "gemini-2.5-flash", contents: "x" }),
    ).rejects.toMatchObject({ status: 429 });
    fake.pushFault({ kind: "in-band-error", afterChunks: 1, message: "overloaded mid-stream" });
    const chunks = await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "a b c d" });
    const failure = await (async () => {
      for await (const _chunk of chunks) {
        // drain
      }
    })().catch((error: unknown) => error);
    expect(String(failure)).toContain("overloaded mid-stream");
  });
});
