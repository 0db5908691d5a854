import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMasterKey, parseMasterKey, seal, unseal } from "./master-key.js";

describe("master key and sealing", () => {
  it("seals and unseals; a wrong key or a tampered value fails", () => {
    const key = Buffer.alloc(32, 7);
    const sealed = seal(key, "sk-provider-secret");
    expect(sealed).not.toContain("sk-provider-secret");
    expect(unseal(key, sealed)).toBe("sk-provider-secret");
    expect(() => unseal(Buffer.alloc(32, 8), sealed)).toThrow();
    const parts = sealed.split(":");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => unseal(key, parts.join(":"))).toThrow();
  });

  it("parses hex and base64 keys of 32 bytes only", () => {
    expect(parseMasterKey("ab".repeat(32), "env")).toHaveLength(32);
    expect(parseMasterKey(Buffer.alloc(32, 1).toString("base64"), "env")).toHaveLength(32);
    expect(() => parseMasterKey("short", "FLOOPY_MASTER_KEY")).toThrow(/FLOOPY_MASTER_KEY/);
  });

  it("generates a key once into the data dir, readable only by its owner, and requires one when distributed", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "floopy-key-"));
    try {
      const first = loadMasterKey({ fromEnv: undefined, dataDir, distributed: false });
      expect(first.generatedAt).toBe(join(dataDir, "master.key"));
      expect(statSync(join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
      const second = loadMasterKey({ fromEnv: undefined, dataDir, distributed: false });
      expect(second.generatedAt).toBeNull();
      expect(second.key.equals(first.key)).toBe(true);
      expect(readFileSync(join(dataDir, "master.key"), "utf8").trim()).toBe(first.key.toString("base64"));
      expect(() => loadMasterKey({ fromEnv: undefined, dataDir, distributed: true })).toThrow(
        /FLOOPY_MASTER_KEY/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
