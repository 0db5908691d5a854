import { describe, expect, it } from "vitest";
import { configTemplates, parseConfigText } from "../config/load-config.js";
import { resolveProviders } from "../providers/provider-instance.js";
import type { ApiKeyRecord, ProviderRecord, RoutingRuleRecord } from "../store/types.js";
import { buildConfigDocument, configDocumentText, providerKeyVariable } from "./config-document.js";
import { seal } from "./master-key.js";

const STORED_SECRET = "sk-stored-canary-0123456789";
const FILE_SECRET = "sk-file-canary-9876543210";
const ENV_SECRET = "sk-env-canary-5555555555";
const at = new Date(1_700_000_000_000);
const hash = (letter: string) => `sha256:${letter.repeat(64)}`;

const fileText = `
server: { port: 9000 }
providers:
  backup: { type: openai-compatible, base_url: "http://127.0.0.1:7000/v1", api_key: \${BACKUP_KEY}, models: [backup-model] }
  literal: { type: openai-compatible, base_url: "http://127.0.0.1:7001/v1", api_key: ${FILE_SECRET} }
  defaulted: { type: openai-compatible, base_url: "\${LOCAL_URL:-http://127.0.0.1:7002/v1}", api_key: "\${MAYBE:-${FILE_SECRET}}" }
  off: { type: openai-compatible, enabled: false }
models:
  fast: { target: backup/backup-model, pricing: { input: 1, output: 2 } }
limits: { org_rpm: 100 }
`;
const env = {
  BACKUP_KEY: FILE_SECRET,
  OPENAI_API_KEY: ENV_SECRET,
  OPENAI_BASE_URL: "http://127.0.0.1:7003/v1",
};

function key(overrides: Partial<ApiKeyRecord>): ApiKeyRecord {
  return {
    id: "k1",
    orgId: "default",
    projectId: null,
    name: "ci",
    hash: hash("a"),
    displayPrefix: "fp_abcd",
    source: "admin",
    scope: "gateway",
    routingRule: null,
    rpm: null,
    tpm: null,
    monthlyBudgetUsd: null,
    createdAt: at,
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function stored(overrides: Partial<ProviderRecord>): ProviderRecord {
  return {
    name: "house",
    type: "openai-compatible",
    baseUrl: "http://127.0.0.1:7004/v1",
    models: ["house-model"],
    orgId: null,
    sealedApiKey: seal(Buffer.alloc(32, 1), STORED_SECRET),
    source: "admin",
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const rule = (name: string, source: RoutingRuleRecord["source"]): RoutingRuleRecord => ({
  name,
  definition: { strategy: "fallback", targets: [{ model: "house/house-model" }] },
  source,
  createdAt: at,
  updatedAt: at,
});

function build() {
  const file = parseConfigText(fileText, "floopy.yaml", env);
  return buildConfigDocument({
    file,
    templates: configTemplates(fileText),
    fixedProviders: resolveProviders(file.providers, env),
    storedProviders: [
      stored({}),
      stored({ name: "scoped", orgId: "acme" }),
      stored({ name: "backup" }), // shadowed by the file's
    ],
    rules: [rule("zeta", "admin"), rule("alpha", "config")],
    keys: [
      key({
        name: "ci",
        projectId: "web",
        routingRule: "alpha",
        rpm: 7,
        tpm: 1000,
        monthlyBudgetUsd: 12.5,
        expiresAt: new Date("2030-01-01T00:00:00.000Z"),
      }),
      key({ id: "k2", name: "gone", hash: hash("b"), revokedAt: at }),
      key({ id: "k3", name: "root", hash: hash("c"), scope: "admin" }),
    ],
  });
}

describe("the config export document", () => {
  it("gives every credential as a reference: the file's own, FLOOPY_PROVIDER_<NAME>_API_KEY, or the environment's variable", () => {
    const { document } = build();
    expect(document.providers?.backup).toEqual({
      type: "openai-compatible",
      base_url: "http://127.0.0.1:7000/v1",
      api_key: `\${BACKUP_KEY}`,
      models: ["backup-model"],
    });
    // Written in the file, or behind a default that may be the key itself: a reference of its own.
    expect(document.providers?.literal?.api_key).toBe(`\${${providerKeyVariable("literal")}}`);
    expect(document.providers?.defaulted?.api_key).toBe(`\${FLOOPY_PROVIDER_DEFAULTED_API_KEY}`);
    // Any other field the file wrote as a reference comes back as written.
    expect(document.providers?.defaulted?.base_url).toBe(`\${LOCAL_URL:-http://127.0.0.1:7002/v1}`);
    expect(document.providers?.off).toEqual({ type: "openai-compatible", enabled: false });
    expect(document.providers?.openai).toEqual({
      api_key: `\${OPENAI_API_KEY}`,
      base_url: "http://127.0.0.1:7003/v1",
    });
    expect(document.providers?.house).toEqual({
      type: "openai-compatible",
      base_url: "http://127.0.0.1:7004/v1",
      models: ["house-model"],
      api_key: `\${FLOOPY_PROVIDER_HOUSE_API_KEY}`,
    });
    expect(document.providers?.scoped).toBeUndefined();
    for (const format of ["yaml", "json"] as const) {
      const text = configDocumentText(build(), format);
      for (const secret of [STORED_SECRET, FILE_SECRET, ENV_SECRET]) expect(text).not.toContain(secret);
    }
  });

  it("holds the file's sections, every rule and every live gateway key, and says what it leaves out", () => {
    const { document, leftOut } = build();
    expect(document.server).toEqual({ port: 9000 });
    expect(document.models).toEqual({
      fast: { target: "backup/backup-model", pricing: { input: 1, output: 2 } },
    });
    expect(document.limits).toEqual({ org_rpm: 100 });
    expect(Object.keys(document.routing_rules ?? {})).toEqual(["alpha", "zeta"]);
    expect(document.keys).toEqual([
      {
        name: "ci",
        hash: hash("a"),
        org: "default",
        project: "web",
        routing_rule: "alpha",
        rpm: 7,
        tpm: 1000,
        monthly_budget_usd: 12.5,
        expires_at: "2030-01-01T00:00:00.000Z",
      },
    ]);
    expect(leftOut.join("\n")).toMatch(/1 admin key/);
    expect(leftOut.join("\n")).toMatch(/provider scoped \(stored for org acme/);
    expect(leftOut.join("\n")).toMatch(/org constraints and plans/);
    const yaml = configDocumentText(build(), "yaml");
    expect(yaml).toMatch(/^# Not included: 1 admin key/m);
  });

  it("parses back through the config loader, in YAML and JSON, once the referenced variables are set", () => {
    const referenced = {
      BACKUP_KEY: "sk-other-1",
      FLOOPY_PROVIDER_LITERAL_API_KEY: "sk-other-2",
      FLOOPY_PROVIDER_DEFAULTED_API_KEY: "sk-other-3",
      FLOOPY_PROVIDER_HOUSE_API_KEY: "sk-other-4",
      OPENAI_API_KEY: "sk-other-5",
    };
    const built = build();
    for (const format of ["yaml", "json"] as const) {
      const parsed = parseConfigText(configDocumentText(built, format), "export", referenced);
      expect(parsed.providers?.house?.api_key).toBe("sk-other-4");
      expect(parsed.providers?.backup?.api_key).toBe("sk-other-1");
      expect(parsed.providers?.defaulted?.base_url).toBe("http://127.0.0.1:7002/v1");
      expect(parsed.routing_rules).toEqual(built.document.routing_rules);
      expect(parsed.keys).toEqual(built.document.keys);
      expect(parsed.limits).toEqual(built.document.limits);
    }
    expect(() => parseConfigText(configDocumentText(built, "yaml"), "export", {})).toThrow(
      /environment variable \w+ is not set/,
    );
  });

  it("is an empty but loadable file when there is nothing", () => {
    const built = buildConfigDocument({
      file: {},
      fixedProviders: [],
      storedProviders: [],
      rules: [],
      keys: [],
    });
    expect(parseConfigText(configDocumentText(built, "yaml"), "export", {})).toEqual({});
  });
});
