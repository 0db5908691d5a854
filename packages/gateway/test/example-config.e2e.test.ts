/**
 * floopy.example.yaml at the repository root is what an operator copies first, so it must stay
 * true: it loads through the real loader, it shows every key the schema accepts (a key added to
 * the schema and not to the example fails here), and `npm start` with it answers a request
 * through the rule it defines.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeAnthropic, type FakeOpenAI, startFakeAnthropic, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { configFileSchema } from "../src/config/config-schema.js";
import { loadConfig } from "../src/config/load-config.js";
import { floopy, type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

const root = new URL("../../../", import.meta.url).pathname;
const examplePath = join(root, "floopy.example.yaml");
const OPENAI_KEY = "sk-example-config-openai-1234567890";
const ANTHROPIC_KEY = "sk-ant-example-config-1234567890";
const GATEWAY_KEY = "fp_example_config_0123456789abcdef";

/** Every property name the schema accepts, at any depth. */
function acceptedKeys(schema: z.ZodType): Set<string> {
  const names = new Set<string>();
  const walk = (node: z.ZodType): void => {
    if (node instanceof z.ZodOptional) walk(node.unwrap() as z.ZodType);
    else if (node instanceof z.ZodArray) walk(node.element as z.ZodType);
    else if (node instanceof z.ZodRecord) walk(node.valueType as z.ZodType);
    else if (node instanceof z.ZodUnion) for (const option of node.options) walk(option as z.ZodType);
    else if (node instanceof z.ZodObject) {
      for (const [name, child] of Object.entries(node.shape as Record<string, z.ZodType>)) {
        names.add(name);
        walk(child);
      }
    }
  };
  walk(schema);
  return names;
}

/** Every property name used in a parsed YAML document, at any depth. */
function usedKeys(value: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) usedKeys(item, names);
  else if (typeof value === "object" && value !== null) {
    for (const [name, item] of Object.entries(value)) {
      names.add(name);
      usedKeys(item, names);
    }
  }
  return names;
}

describe("floopy.example.yaml", () => {
  it("loads through the real loader, interpolating the environment and its defaults", () => {
    const { file, settings, sourcePath } = loadConfig({
      FLOOPY_CONFIG: examplePath,
      OPENAI_API_KEY: OPENAI_KEY,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    });
    expect(sourcePath).toBe(examplePath);
    expect(file.providers?.openai?.api_key).toBe(OPENAI_KEY);
    expect(file.providers?.anthropic?.api_key).toBe(ANTHROPIC_KEY);
    expect(file.providers?.["local-vllm"]?.base_url).toBe("http://127.0.0.1:8000/v1");
    expect(file.routing_rules?.resilient?.targets.length).toBeGreaterThan(1);
    expect(file.keys?.[0]?.routing_rule).toBe("resilient");
    expect(settings.requestDeadlineMs).toBe(300_000);
  });

  it("names the environment variable it needs when one is unset", () => {
    expect(() => loadConfig({ FLOOPY_CONFIG: examplePath, OPENAI_API_KEY: OPENAI_KEY })).toThrow(
      /providers\.anthropic\.api_key: environment variable ANTHROPIC_API_KEY is not set/,
    );
  });

  it("shows every key the schema accepts", () => {
    const used = usedKeys(parseYaml(readFileSync(examplePath, "utf8")));
    const accepted = acceptedKeys(configFileSchema);
    expect(accepted.size).toBeGreaterThan(40);
    expect([...accepted].filter((name) => !used.has(name))).toEqual([]);
  });

  describe("started with npm start", () => {
    let openai: FakeOpenAI;
    let anthropic: FakeAnthropic;
    let dataDir: string;
    let env: Record<string, string>;
    let gateway: SpawnedGateway | undefined;

    beforeAll(async () => {
      openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
      anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
      dataDir = mkdtempSync(join(tmpdir(), "floopy-example-"));
      env = {
        FLOOPY_CONFIG: examplePath,
        FLOOPY_DATA_DIR: dataDir,
        FLOOPY_BOOTSTRAP_KEY: GATEWAY_KEY,
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: anthropic.url,
      };
      gateway = await spawnGateway(env);
    }, 90_000);

    afterAll(async () => {
      await gateway?.stop();
      await Promise.all([openai?.close(), anthropic?.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("answers through the file's alias and routing rule", async () => {
      if (!gateway) throw new Error("the gateway did not start");
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: GATEWAY_KEY, maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create(
          { model: "fast", messages: [{ role: "user", content: "Hello from the example" }] },
          { headers: { "floopy-routing-rule": "resilient" } },
        )
        .withResponse();
      expect(data.choices[0]?.message.content).toContain("Hello from the example");
      expect(response.headers.get("floopy-provider")).toBe("openai");
      expect(response.headers.get("floopy-model")).toBe("gpt-4o-mini");
      const upstream = openai.lastRequest();
      expect(upstream?.path).toBe("/v1/chat/completions");
      expect((upstream?.body as { model?: string } | undefined)?.model).toBe("gpt-4o-mini");
    });

    it("created the file's key in its org and project, by hash", async () => {
      const { stdout } = await floopy(["keys", "list", "--json"], env);
      const keys = JSON.parse(stdout) as Array<Record<string, unknown>>;
      expect(keys).toContainEqual(
        expect.objectContaining({
          name: "web-app",
          orgId: "acme",
          projectId: "search",
          routingRule: "resilient",
          source: "config",
          revokedAt: null,
        }),
      );
    });
  });
});
