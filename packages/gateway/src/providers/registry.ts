/**
 * The registry of provider types. Typed as a Record over the id union so a declared id without a
 * declaration (or the reverse) fails to compile.
 */
import { anthropic } from "./anthropic.js";
import type { ProviderDeclaration } from "./declaration.js";
import { deepseek } from "./deepseek.js";
import { fireworks } from "./fireworks.js";
import { google } from "./google.js";
import { groq } from "./groq.js";
import { mistral } from "./mistral.js";
import { mock } from "./mock.js";
import { openai } from "./openai.js";
import { openaiCompatible } from "./openai-compatible.js";
import { openrouter } from "./openrouter.js";
import { together } from "./together.js";
import { xai } from "./xai.js";

export type ProviderType =
  | "openai"
  | "anthropic"
  | "google"
  | "groq"
  | "mistral"
  | "deepseek"
  | "openrouter"
  | "together"
  | "fireworks"
  | "xai"
  | "openai-compatible"
  | "mock";

export const providerRegistry: Record<ProviderType, ProviderDeclaration> = {
  openai,
  anthropic,
  google,
  groq,
  mistral,
  deepseek,
  openrouter,
  together,
  fireworks,
  xai,
  "openai-compatible": openaiCompatible,
  mock,
};

export function isProviderType(value: string): value is ProviderType {
  return Object.hasOwn(providerRegistry, value);
}
