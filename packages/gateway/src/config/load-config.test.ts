import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { configTemplates, loadConfig, parseConfigText } from "./load-config.js";

const hash = `sha256:${"a".repeat(64)}`;

describe("config loading", () => {
  it("takes flags over environment over file over defaults", () => {
    expect(loadConfig({}).settings.port).toBe(8787);
    expect(loadConfig({ FLOOPY_PORT: "9000" }).settings.port).toBe(9000);
    expect(loadConfig({ FLOOPY_PORT: "9000" }, { port: 9100 }).settings.port).toBe(9100);
    expect(loadConfig({ FLOOPY_MAX_BODY_BYTES: "1024" }).settings.maxBodyBytes).toBe(1024);
    expect(() => loadConfig({ FLOOPY_PORT: "high" })).toThrow(/FLOOPY_PORT/);
    expect(() => loadConfig({ FLOOPY_BOOTSTRAP_KEY: "sk-nope" })).toThrow(/FLOOPY_BOOTSTRAP_KEY/);
  });

  it("accepts INTERFACE.md's example file (less its rate limits), interpolating environment variables", () => {
    const text = `
providers:
  openai: { api_key: \${OPENAI_API_KEY} }
  local-vllm: { type: openai-compatible, base_url: http://10.0.0.5:8000/v1 }
models:
  fast: { target: groq/llama-3.1-8b-instant }
routing_rules:
  resilient:
    strategy: fallback
    targets:
      - { model: openai/gpt-4o-mini, weight: 80 }
      - { model: anthropic/claude-sonnet-4-6, weight: 20 }
    retry: { attempts: 2, on: [429, 5xx, network, timeout], backoff_ms: 250 }
    timeout_ms: { attempt: 30000, total: 120000 }
keys:
  - { name: ci, hash: "${hash}", routing_rule: resilient, project: default }
`;
    const file = parseConfigText(text, "floopy.yaml", { OPENAI_API_KEY: "sk-live" });
    expect(file.providers?.openai?.api_key).toBe("sk-live");
    expect(file.keys?.[0]?.routing_rule).toBe("resilient");
  });

  it("accepts INTERFACE.md's limits and validates them", () => {
    const file = parseConfigText(
      [
        "keys:",
        `  - { name: ci, hash: "${hash}", rpm: 600, tpm: 200000, monthly_budget_usd: 50 }`,
        `  - { name: web, hash: "sha256:${"b".repeat(64)}" }`,
        "limits: { org_rpm: 6000, org_tpm: 2000000, org_monthly_budget_usd: 1000 }",
        "",
      ].join("\n"),
      "floopy.yaml",
      {},
    );
    expect(file.keys?.[0]).toMatchObject({ rpm: 600, tpm: 200000, monthly_budget_usd: 50 });
    expect(file.limits).toEqual({ org_rpm: 6000, org_tpm: 2000000, org_monthly_budget_usd: 1000 });
    // Still validated: a limit of the wrong type is an error naming its path.
    expect(() => parseConfigText("limits: { org_rpm: -1 }\n", "floopy.yaml", {})).toThrow(/limits\.org_rpm/);
    // Beyond what the stores' integer columns hold: refused here, not by the database at start.
    expect(() =>
      parseConfigText(`keys: [{ name: a, hash: "${hash}", tpm: 1000000000000 }]\n`, "floopy.yaml", {}),
    ).toThrow(/keys\.0\.tpm/);
  });

  it("names the path of every bad field", () => {
    const attempt = (text: string, env: Record<string, string> = {}) => {
      try {
        parseConfigText(text, "floopy.yaml", env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      return "no error";
    };
    expect(attempt("providers:\n  local: { base_url: not-a-url }\n")).toContain("providers.local.base_url");
    expect(attempt('keys:\n  - { name: ci, hash: "abc" }\n')).toContain("keys.0.hash");
    expect(attempt("keys:\n  - { hash: x }\n")).toContain("keys.0.name");
    expect(attempt("provders: {}\n")).toMatch(/provders/);
    expect(attempt("server: { max_body_bytes: -1 }\n")).toContain("server.max_body_bytes");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file syntax under test
    expect(attempt("providers:\n  openai: { api_key: ${MISSING_VAR} }\n")).toContain(
      "providers.openai.api_key",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file syntax under test
    expect(attempt("providers:\n  openai: { api_key: ${MISSING_VAR:-fallback} }\n")).toBe("no error");
    expect(attempt("routing_rules:\n  r: { strategy: random, targets: [] }\n")).toContain(
      "routing_rules.r.strategy",
    );
    expect(attempt(": : :\n")).toContain("not valid YAML");
  });
});

describe("config templates", () => {
  it("lists the string fields written with references, as written, and resolves nothing", () => {
    const text = [
      "providers:",
      `  a: { api_key: \${A_KEY}, base_url: "https://\${HOST:-example.com}/v1", models: [m, "\${MODEL}"] }`,
      "  b: { api_key: plain-key }",
      "",
    ].join("\n");
    expect(configTemplates(text)).toEqual({
      "providers.a.api_key": `\${A_KEY}`,
      "providers.a.base_url": `https://\${HOST:-example.com}/v1`,
      "providers.a.models.1": `\${MODEL}`,
    });
    expect(configTemplates("providers: [")).toEqual({});
  });
});
