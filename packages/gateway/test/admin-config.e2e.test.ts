/**
 * Config export and import (INTERFACE.md "Admin API"): `GET /admin/config` answers the live
 * configuration in the config-file format with every credential as a `${VAR}` reference — a
 * canary provider key appears nowhere in it, nor in `floopy config export` — and `POST
 * /admin/config` (with `X-Floopy-Confirm: config`) brings it into a second, fresh gateway, which
 * then serves the same rules, keys and providers.
 */
import { randomBytes } from "node:crypto";
import { type FakeOpenAI, startFakeOpenAI } from "@floopy/testkit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../src/config/load-config.js";
import { floopy } from "./support/spawn-gateway.js";
import { PROVIDER_KEY, startTestGateway, type TestGateway } from "./support/test-gateway.js";

const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;
const CANARY = `sk-canary-config-${randomBytes(8).toString("hex")}`;
const CANARY_VARIABLE = "FLOOPY_PROVIDER_CANARY_UP_API_KEY";

describe("config export and import", () => {
  let upstream: FakeOpenAI;
  let source: TestGateway;
  let target: TestGateway;
  let gatewayKey: string;

  const admin = async (
    gateway: TestGateway,
    method: string,
    path: string,
    options: { body?: string; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`${gateway.gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    return {
      status: response.status,
      type: response.headers.get("content-type") ?? "",
      text: await response.text(),
    };
  };
  const json = (body: unknown, confirm: string) => ({
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-floopy-confirm": confirm },
  });

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: CANARY, models: ["house-model"] });
    source = await startTestGateway({ env: { FLOOPY_ADMIN_KEY: ADMIN_KEY } });
    target = await startTestGateway({ env: { FLOOPY_ADMIN_KEY: ADMIN_KEY, [CANARY_VARIABLE]: CANARY } });
    const provider = await admin(
      source,
      "POST",
      "/admin/providers",
      json(
        {
          name: "canary-up",
          type: "openai-compatible",
          base_url: upstream.url,
          api_key: CANARY,
          models: ["house-model"],
        },
        "providers",
      ),
    );
    expect(provider.status).toBe(201);
    const rule = await admin(
      source,
      "POST",
      "/admin/routing_rules",
      json(
        { name: "house", strategy: "fallback", targets: [{ model: "canary-up/house-model" }] },
        "routing_rules",
      ),
    );
    expect(rule.status).toBe(201);
    const key = await admin(
      source,
      "POST",
      "/admin/keys",
      json({ name: "exported", rpm: 7, routing_rule: "house" }, "keys"),
    );
    expect(key.status).toBe(201);
    gatewayKey = (JSON.parse(key.text) as { key: string }).key;
  });
  afterAll(async () => {
    await Promise.all([source?.close(), target?.close(), upstream?.close()]);
  });

  it("exports YAML with every credential a reference, the canary nowhere, that the config loader reads", async () => {
    const exported = await admin(source, "GET", "/admin/config");
    expect(exported.status).toBe(200);
    expect(exported.type).toContain("application/yaml");
    for (const secret of [CANARY, PROVIDER_KEY, "sk-backup-secret-1234567890", gatewayKey]) {
      expect(exported.text).not.toContain(secret);
    }
    expect(exported.text).toContain(`\${${CANARY_VARIABLE}}`);
    expect(exported.text).toContain(`\${OPENAI_API_KEY}`);
    expect(exported.text).toMatch(/^# Not included: .*admin key/m);
    const document = parseConfigText(exported.text, "export", {
      [CANARY_VARIABLE]: CANARY,
      OPENAI_API_KEY: "sk-x",
      FLOOPY_PROVIDER_BACKUP_API_KEY: "sk-y",
    });
    expect(document.providers?.["canary-up"]).toMatchObject({
      type: "openai-compatible",
      base_url: upstream.url,
    });
    expect(document.routing_rules?.house?.targets).toEqual([{ model: "canary-up/house-model" }]);
    expect(document.keys?.find((key) => key.name === "exported")).toMatchObject({
      rpm: 7,
      routing_rule: "house",
    });
    expect(document.keys?.some((key) => key.name === "admin")).toBe(false);

    const asJson = await admin(source, "GET", "/admin/config?format=json");
    expect(asJson.type).toContain("application/json");
    expect(asJson.text).not.toContain(CANARY);
    expect(JSON.parse(asJson.text)).toMatchObject({ routing_rules: { house: { strategy: "fallback" } } });
  });

  it("prints the same document from floopy config export, without the canary", async () => {
    const { stdout } = await floopy(["config", "export"], {
      FLOOPY_DATA_DIR: source.dataDir,
      FLOOPY_CONFIG: `${source.dataDir}/floopy.yaml`,
      OPENAI_API_KEY: PROVIDER_KEY,
    });
    expect(stdout).not.toContain(CANARY);
    expect(stdout).not.toContain(PROVIDER_KEY);
    expect(stdout).toContain(`\${${CANARY_VARIABLE}}`);
    expect(stdout).toContain("house:");
  });

  it("refuses an import without confirmation, a bad document and an unset reference, changing nothing", async () => {
    const exported = (await admin(source, "GET", "/admin/config")).text;
    const unconfirmed = await admin(target, "POST", "/admin/config", {
      body: exported,
      headers: { "content-type": "application/yaml" },
    });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain("confirmation_required");
    const bad = await admin(target, "POST", "/admin/config", json({ keys: [{ name: "x" }] }, "config"));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("keys.0.hash");
    const unset = await admin(
      target,
      "POST",
      "/admin/config",
      json(
        { providers: { other: { type: "openai-compatible", api_key: `\${NOT_SET_ANYWHERE}` } } },
        "config",
      ),
    );
    expect(unset.status).toBe(400);
    expect(unset.text).toContain("NOT_SET_ANYWHERE");
    // What a provider's or a rule's own route would refuse is found before the first write.
    const brokenRule = await admin(
      target,
      "POST",
      "/admin/config",
      json(
        {
          providers: {
            fresh: { type: "openai-compatible", base_url: upstream.url, api_key: "sk-fresh-12345" },
          },
          routing_rules: { broken: { strategy: "fallback", targets: [{ model: "nowhere/model" }] } },
        },
        "config",
      ),
    );
    expect(brokenRule.status).toBe(400);
    expect(brokenRule.text).toContain("routing_rules.broken.targets.0.model");
    const brokenProvider = await admin(
      target,
      "POST",
      "/admin/config",
      json(
        {
          providers: { odd: { type: "nonsense", base_url: upstream.url, api_key: "sk-fresh-12345" } },
          routing_rules: { fine: { strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }] } },
        },
        "config",
      ),
    );
    expect(brokenProvider.status).toBe(400);
    expect(brokenProvider.text).toContain("providers.odd.type");
    const rules = await admin(target, "GET", "/admin/routing_rules");
    expect(rules.text).not.toContain("house");
    expect(rules.text).not.toContain("fine");
    expect((await admin(target, "GET", "/admin/providers")).text).not.toContain("fresh");
    expect((await admin(target, "GET", "/admin/audit?resource=config")).text).not.toContain("config.import");
  });

  it("imports into a fresh gateway, which then serves the key by its rule through the imported provider", async () => {
    const exported = (await admin(source, "GET", "/admin/config")).text;
    const imported = await admin(target, "POST", "/admin/config", {
      body: exported,
      headers: { "content-type": "application/yaml", "x-floopy-confirm": "config" },
    });
    expect(imported.status, imported.text).toBe(200);
    const report = JSON.parse(imported.text) as {
      providers: { created: string[]; skipped: Array<{ name: string }> };
      routing_rules: { created: string[] };
      keys: { created: string[] };
    };
    expect(report.providers.created).toEqual(["canary-up"]);
    expect(report.providers.skipped.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(["openai", "backup"]),
    );
    expect(report.routing_rules.created).toEqual(["house"]);
    expect(report.keys.created.some((label) => label.startsWith("exported"))).toBe(true);

    const client = new OpenAI({ baseURL: `${target.gateway.url}/v1`, apiKey: gatewayKey, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: "anything", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("canary-up");
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("7");
    expect(upstream.lastRequest()?.headers.authorization).toBe(`Bearer ${CANARY}`);

    const again = await admin(target, "POST", "/admin/config", {
      body: exported,
      headers: { "content-type": "application/yaml", "x-floopy-confirm": "config" },
    });
    const second = JSON.parse(again.text) as {
      routing_rules: { unchanged: string[] };
      keys: { unchanged: string[] };
    };
    expect(second.routing_rules.unchanged).toEqual(["house"]);
    expect(second.keys.unchanged.some((label) => label.startsWith("exported"))).toBe(true);

    const audit = await admin(target, "GET", "/admin/audit?resource=config");
    const entries = (
      JSON.parse(audit.text) as {
        items: Array<{ action: string; before_hash: string | null; after_hash: string | null }>;
      }
    ).items;
    // Newest first.
    const [repeat, first] = entries.filter((entry) => entry.action === "config.import");
    // Hashes of the whole document before and after: the first import changed it, the repeat did not.
    expect(first?.before_hash).toMatch(/\S/);
    expect(first?.after_hash).not.toBe(first?.before_hash);
    expect(repeat?.after_hash).toBe(first?.after_hash);
    const all = (await admin(target, "GET", "/admin/audit")).text;
    for (const action of ["providers.create", "routing_rules.create", "keys.create"]) {
      expect(all).toContain(action);
    }
    expect((await admin(target, "GET", "/admin/audit")).text).not.toContain(CANARY);
  });
});
