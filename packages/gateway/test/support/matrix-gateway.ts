/**
 * A gateway in front of one fake of each upstream protocol (OpenAI, Anthropic), with an
 * official client of each caller protocol pointed at it: the protocol matrix's test bench.
 */
import Anthropic from "@anthropic-ai/sdk";
import { type FakeAnthropic, startFakeAnthropic } from "@floopy/testkit";
import { startTestGateway, TEST_KEY, type TestGateway } from "./test-gateway.js";

export const ANTHROPIC_PROVIDER_KEY = "sk-ant-canary-provider-secret-77aa";

export interface MatrixGateway extends TestGateway {
  anthropicFake: FakeAnthropic;
  anthropic: Anthropic;
}

export async function startMatrixGateway(env: Record<string, string> = {}): Promise<MatrixGateway> {
  const anthropicFake = await startFakeAnthropic({ apiKey: ANTHROPIC_PROVIDER_KEY });
  const base = await startTestGateway({
    env: {
      ANTHROPIC_API_KEY: ANTHROPIC_PROVIDER_KEY,
      ANTHROPIC_BASE_URL: anthropicFake.url,
      ...env,
    },
  });
  const anthropic = new Anthropic({ baseURL: base.gateway.url, apiKey: TEST_KEY, maxRetries: 0 });
  return {
    ...base,
    anthropicFake,
    anthropic,
    async close() {
      await base.close();
      await anthropicFake.close();
    },
  };
}
