import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ProviderRecord } from "../store/types.js";
import { seal } from "./master-key.js";
import { StoredProviders } from "./stored-providers.js";

const key = Buffer.alloc(32, 1);
const otherKey = Buffer.alloc(32, 2);
const SECRET = "sk-stored-canary-0123456789";

/** A real logger whose lines are kept, to check what the operator is told (and that no key is in it). */
function capturedLogger() {
  const raw: string[] = [];
  const lines: Array<{ msg: string; provider?: string }> = [];
  const logger = pino(
    {
      level: "info",
    },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line));
      },
    },
  );
  return { logger, lines, text: () => raw.join("") };
}

function record(overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return {
    name: "local",
    type: "openai-compatible",
    baseUrl: "http://127.0.0.1:8000/v1/",
    models: ["llama"],
    orgId: null,
    sealedApiKey: seal(key, SECRET),
    source: "admin",
    createdAt: new Date(1_700_000_000_000),
    updatedAt: new Date(1_700_000_000_000),
    ...overrides,
  };
}

describe("stored providers", () => {
  it("unseals each credential and checks each provider as the config file's are checked", () => {
    const [instance] = new StoredProviders({ masterKey: key }).instances([record()]);
    expect(instance).toMatchObject({
      id: "local",
      type: "openai-compatible",
      baseUrl: "http://127.0.0.1:8000/v1",
      apiKey: SECRET,
      models: ["llama"],
      allowLinkLocal: false,
      orgId: null,
    });
  });

  it("skips, and logs without the credential, what it cannot unseal or what is invalid", () => {
    const captured = capturedLogger();
    const stored = new StoredProviders({ masterKey: otherKey, logger: captured.logger });
    const records = [
      record(),
      record({ name: "bad-type", type: "nonsense", sealedApiKey: seal(otherKey, SECRET) }),
      record({ name: "no-url", baseUrl: null, sealedApiKey: seal(otherKey, SECRET) }),
      record({ name: "fine", sealedApiKey: seal(otherKey, SECRET) }),
    ];
    expect(stored.instances(records).map((instance) => instance.id)).toEqual(["fine"]);
    expect(captured.lines.map((line) => line.provider)).toEqual(["local", "bad-type", "no-url"]);
    expect(captured.lines[0]?.msg).toMatch(/could not be unsealed with this master key/);
    expect(captured.text()).not.toContain(SECRET);
    // Nothing changed: nothing is unsealed or logged again.
    stored.instances(records);
    expect(captured.lines).toHaveLength(3);
  });

  it("keeps the instance of an unchanged row, and rebuilds a replaced one", () => {
    const stored = new StoredProviders({ masterKey: key });
    const row = record();
    const [first] = stored.instances([row]);
    expect(stored.instances([{ ...row }])[0]).toBe(first);
    const replaced = record({ updatedAt: new Date(1_700_000_001_000), models: ["qwen"] });
    expect(stored.instances([replaced])[0]).toMatchObject({ models: ["qwen"] });
    expect(stored.instances([])).toEqual([]);
  });

  it("keeps serving a row resealed under a master key it does not have, until it changes", () => {
    const captured = capturedLogger();
    const stored = new StoredProviders({ masterKey: key, logger: captured.logger });
    const [before] = stored.instances([record()]);
    const resealed = record({ sealedApiKey: seal(otherKey, SECRET) });
    expect(stored.instances([resealed])[0]).toBe(before);
    expect(captured.lines[0]?.msg).toMatch(/resealed under a new master key/);
    // A real change it cannot unseal is skipped.
    const changed = record({ sealedApiKey: seal(otherKey, SECRET), updatedAt: new Date(1_700_000_002_000) });
    expect(stored.instances([changed])).toEqual([]);
  });
});
