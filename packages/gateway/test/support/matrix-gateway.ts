/**
 * A gateway in front of one fake of each upstream protocol (OpenAI, Anthropic, Gemini), with an
 * official client of each caller protocol pointed at it: the protocol matrix's test bench.
 */
import Anthropic from "@anthropic-ai/sdk";
import { type FakeAnthropic, type FakeGemini, startFakeAnthropic, startFakeGemini } from "@floopy/testkit";
import { GoogleGenAI } from "@google/genai";
import { startTestGateway, TEST_KEY, type TestGateway } from "./test-gateway.js";

export const ANTHROPIC_PROVIDER_KEY = "sk-ant-canary-provider-secret-77aa";
export const GEMINI_PROVIDER_KEY = "AIza-canary-provider-secret-88bb";

export interface MatrixGateway extends TestGateway {
  anthropicFake: FakeAnthropic;
  geminiFake: FakeGemini;
  anthropic: Anthropic;
  gemini: GoogleGenAI;
}

export async function startMatrixGateway(env: Record<string, string> = {}): Promise<MatrixGateway> {
  const anthropicFake = await startFakeAnthropic({ apiKey: ANTHROPIC_PROVIDER_KEY });
  const geminiFake = await startFakeGemini({ apiKey: GEMINI_PROVIDER_KEY });
  const base = await startTestGateway({
    env: {
      ANTHROPIC_API_KEY: ANTHROPIC_PROVIDER_KEY,
      ANTHROPIC_BASE_URL: anthropicFake.url,
      GEMINI_API_KEY: GEMINI_PROVIDER_KEY,
      GEMINI_BASE_URL: geminiFake.url,
      ...env,
    },
  });
  const anthropic = new Anthropic({ baseURL: base.gateway.url, apiKey: TEST_KEY, maxRetries: 0 });
  const gemini = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: base.gateway.url } });
  return {
    ...base,
    anthropicFake,
    geminiFake,
    anthropic,
    gemini,
    async close() {
      await base.close();
      await Promise.all([anthropicFake.close(), geminiFake.close()]);
    },
  };
}
