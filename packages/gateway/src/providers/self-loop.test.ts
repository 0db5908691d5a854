import { hostname, networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { resolveProviders } from "./provider-instance.js";
import { findSelfLoop } from "./self-loop.js";

const providersAt = (baseUrl: string) =>
  resolveProviders(undefined, { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: baseUrl });

const loops = (baseUrl: string, address: string, port = 8787) =>
  findSelfLoop(providersAt(baseUrl), { address, port })?.settings.baseUrl ?? null;

describe("findSelfLoop", () => {
  it("finds a base URL naming the loopback address and port the gateway listens on", () => {
    for (const url of [
      "http://127.0.0.1:8787/v1",
      "http://localhost:8787/v1",
      "http://LOCALHOST:8787",
      "http://127.0.0.2:8787/v1",
      "http://0.0.0.0:8787/v1",
      "http://[::1]:8787/v1",
      "http://[::]:8787/v1",
      "http://[::ffff:127.0.0.1]:8787/v1",
      "http://api.localhost:8787/v1",
    ]) {
      expect(loops(url, "127.0.0.1"), url).toBe("OPENAI_BASE_URL");
    }
  });

  it("takes the scheme's default port when the URL names none", () => {
    expect(loops("http://localhost/v1", "127.0.0.1", 80)).toBe("OPENAI_BASE_URL");
    expect(loops("https://localhost/v1", "127.0.0.1", 443)).toBe("OPENAI_BASE_URL");
    expect(loops("http://localhost/v1", "127.0.0.1", 8787)).toBeNull();
  });

  it("leaves another port, and other hosts, alone", () => {
    expect(loops("http://127.0.0.1:8788/v1", "127.0.0.1")).toBeNull();
    expect(loops("https://api.openai.com/v1", "127.0.0.1", 443)).toBeNull();
    expect(loops("http://10.1.2.3:8787/v1", "127.0.0.1")).toBeNull();
  });

  it("on every interface, also finds the machine's own addresses and name", () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry !== undefined && entry.family === "IPv4" && !entry.internal);
    if (own) expect(loops(`http://${own.address}:8787/v1`, "0.0.0.0")).toBe("OPENAI_BASE_URL");
    expect(loops(`http://${hostname()}:8787/v1`, "::")).toBe("OPENAI_BASE_URL");
    expect(loops("http://localhost:8787/v1", "::")).toBe("OPENAI_BASE_URL");
  });

  it("bound to one outside address, finds only that address", () => {
    expect(loops("http://192.0.2.7:8787/v1", "192.0.2.7")).toBe("OPENAI_BASE_URL");
    expect(loops("http://localhost:8787/v1", "192.0.2.7")).toBeNull();
  });

  it("names the config file's setting for a provider it configures", () => {
    const providers = resolveProviders(
      { local: { type: "openai-compatible", base_url: "http://localhost:9000/v1", models: ["m"] } },
      {},
    );
    expect(findSelfLoop(providers, { address: "127.0.0.1", port: 9000 })?.settings.baseUrl).toBe(
      "providers.local.base_url",
    );
  });
});
