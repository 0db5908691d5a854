import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { ModelCatalogue } from "./model-catalogue.js";
import { resolveProviders } from "./provider-instance.js";

const env = { OPENAI_API_KEY: "sk-a", GROQ_API_KEY: "gsk-b", OPENAI_BASE_URL: "http://127.0.0.1:1234/v1/" };

describe("providers from the environment and config", () => {
  it("enables built-ins whose key is set, with base URL overrides", () => {
    const providers = resolveProviders(undefined, env);
    expect(providers.map((provider) => provider.id).sort()).toEqual(["groq", "openai"]);
    expect(providers.find((provider) => provider.id === "openai")?.baseUrl).toBe("http://127.0.0.1:1234/v1");
    expect(providers.find((provider) => provider.id === "groq")?.baseUrl).toBe(
      "https://api.groq.com/openai/v1",
    );
  });

  it("adds custom OpenAI-compatible servers and disables built-ins from config", () => {
    const providers = resolveProviders(
      {
        vllm: { type: "openai-compatible", base_url: "http://10.0.0.5:8000/v1", models: ["llama"] },
        groq: { enabled: false },
      },
      env,
    );
    expect(providers.map((provider) => provider.id).sort()).toEqual(["openai", "vllm"]);
    expect(providers.find((provider) => provider.id === "vllm")?.apiKey).toBeNull();
  });

  it("names the field of a bad provider entry", () => {
    expect(() => resolveProviders({ mine: { base_url: "http://x" } }, {})).toThrow(/providers\.mine\.type/);
    expect(() => resolveProviders({ local: { type: "openai-compatible" } }, {})).toThrow(
      /providers\.local\.base_url/,
    );
    expect(() => resolveProviders({ openai: {} }, {})).toThrow(ConfigError);
    expect(() => resolveProviders({ openai: {} }, {})).toThrow(/providers\.openai\.api_key/);
  });
});

describe("model catalogue", () => {
  const providers = resolveProviders(
    { vllm: { type: "openai-compatible", base_url: "http://10.0.0.5:8000/v1", models: ["llama-3.1-8b"] } },
    env,
  );
  const catalogue = new ModelCatalogue(providers, { fast: { target: "groq/llama-3.1-8b-instant" } });

  it("resolves bare names by pattern, explicit provider/model, configured models and aliases", () => {
    const pick = (reference: string) => {
      const resolution = catalogue.resolve(reference);
      return resolution.ok ? `${resolution.value.provider.id}:${resolution.value.model}` : resolution.reason;
    };
    expect(pick("gpt-4o-mini")).toBe("openai:gpt-4o-mini");
    expect(pick("o3-mini")).toBe("openai:o3-mini");
    expect(pick("openai/gpt-4o")).toBe("openai:gpt-4o");
    expect(pick("groq/openai/gpt-oss-20b")).toBe("groq:openai/gpt-oss-20b");
    expect(pick("llama-3.1-8b")).toBe("vllm:llama-3.1-8b");
    expect(pick("fast")).toBe("groq:llama-3.1-8b-instant");
    expect(pick("grok-4")).toBe("provider_not_enabled");
    expect(pick("claude-sonnet-4-6")).toBe("provider_not_enabled");
    expect(pick("mistral/mistral-small-latest")).toBe("provider_not_enabled");
    expect(pick("totally-unknown")).toBe("unknown_model");
  });

  it("lists the enabled providers' models under the name a caller sends", () => {
    const ids = catalogue.list().map((entry) => entry.id);
    expect(ids).toContain("gpt-4o-mini");
    expect(ids).toContain("groq/llama-3.1-8b-instant");
    expect(ids).toContain("llama-3.1-8b");
    expect(ids).toContain("fast");
    expect(ids.some((id) => id.startsWith("grok"))).toBe(false);
  });
});
