import { describe, expect, it } from "vitest";
import { type ProviderInstance, resolveProviders, storedProviderInstance } from "./provider-instance.js";
import { ProviderSet } from "./provider-set.js";

const fixed = resolveProviders(undefined, { OPENAI_API_KEY: "sk-env-0123456789" });

function stored(
  name: string,
  orgId: string | null = null,
  apiKey = `sk-${name}-0123456789`,
): ProviderInstance {
  return storedProviderInstance({
    name,
    type: "openai-compatible",
    baseUrl: "http://127.0.0.1:8000/v1",
    models: [`${name}-model`],
    orgId,
    apiKey,
  });
}

describe("provider set", () => {
  it("routes stored providers like fixed ones, the environment's winning a shared id", () => {
    const set = new ProviderSet({ fixed });
    const shadow = storedProviderInstance({
      name: "openai",
      type: "openai",
      baseUrl: null,
      models: null,
      orgId: null,
      apiKey: "sk-shadowed-0123456789",
    });
    expect(set.replaceStored([stored("vllm"), shadow])).toEqual({ shadowed: ["openai"], looping: [] });
    expect(set.catalogueFor(null).resolve("vllm/anything")).toMatchObject({
      ok: true,
      value: { provider: { id: "vllm" }, model: "anything" },
    });
    expect(set.catalogueFor(null).resolve("vllm-model")).toMatchObject({ ok: true });
    expect(set.catalogueFor(null).provider("openai")?.apiKey).toBe("sk-env-0123456789");
    // Reported once while nothing changes.
    expect(set.replaceStored([stored("vllm"), shadow]).shadowed).toEqual([]);
    expect(set.storedProviders.map((provider) => provider.id)).toEqual(["vllm"]);
  });

  it("gives an org's provider to that org's keys only", () => {
    const set = new ProviderSet({ fixed });
    set.replaceStored([stored("acme-vllm", "acme")]);
    expect(set.catalogueFor("acme").resolve("acme-vllm/m")).toMatchObject({ ok: true });
    const elsewhere = set.catalogueFor("other").resolve("acme-vllm/m");
    // Exactly what it answers where no such provider exists.
    const without = new ProviderSet({ fixed }).catalogueFor("other").resolve("acme-vllm/m");
    expect(elsewhere).toEqual(without);
    expect(set.catalogueFor(null).resolve("acme-vllm/m")).toEqual(without);
    expect(set.catalogue.provider("acme-vllm")?.id).toBe("acme-vllm");
  });

  it("keeps every credential it has seen among the secrets, the same array until one is added", () => {
    const set = new ProviderSet({ fixed });
    expect(set.secrets).toEqual(["sk-env-0123456789"]);
    set.replaceStored([stored("a")]);
    const withA = set.secrets;
    expect(withA).toEqual(["sk-env-0123456789", "sk-a-0123456789"]);
    set.replaceStored([stored("a")]);
    expect(set.secrets).toBe(withA);
    set.replaceStored([]);
    expect(set.secrets).toContain("sk-a-0123456789");
  });

  it("leaves out a stored provider whose base URL leads back to the gateway", () => {
    const set = new ProviderSet({ fixed });
    set.listening({ address: "127.0.0.1", port: 8000 });
    const { looping } = set.replaceStored([stored("self")]);
    expect(looping.map((provider) => provider.id)).toEqual(["self"]);
    expect(set.catalogueFor(null).provider("self")).toBeUndefined();
    expect(set.problem(stored("self"))).toMatch(/points back at this gateway/);
  });
});
