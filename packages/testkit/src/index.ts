/**
 * @floopy/testkit: fake upstream LLM providers speaking each vendor's wire protocol, for tests
 * and benchmarks.
 */

export {
  type AnthropicReplier,
  type AnthropicReply,
  type FakeAnthropic,
  type FakeAnthropicOptions,
  startFakeAnthropic,
} from "./anthropic/fake-anthropic.js";
export { DEFAULT_ANTHROPIC_MODELS } from "./anthropic/models.js";
export type { Exchange } from "./exchange.js";
export type { FakeServer, RecordedRequest, WireError, WireProtocol } from "./fake-server.js";
export {
  FAULT_HEADER,
  type Fault,
  type FaultKind,
  type FaultSelector,
  faultHeader,
  parseFault,
} from "./faults.js";
export {
  type FakeGemini,
  type FakeGeminiOptions,
  type GeminiFinishReason,
  type GeminiReplier,
  type GeminiReply,
  startFakeGemini,
} from "./gemini/fake-gemini.js";
export { DEFAULT_GEMINI_MODELS } from "./gemini/models.js";
export type { ChatReply, FinishReason, Replier } from "./openai/chat.js";
export {
  DEFAULT_MODELS,
  type FakeOpenAI,
  type FakeOpenAIOptions,
  startFakeOpenAI,
} from "./openai/fake-openai.js";
