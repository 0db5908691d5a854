/**
 * The master key. Today it signs the own API's list cursors; `seal`/`unseal` (AES-256-GCM) are
 * ready for provider credentials stored in the control store, which nothing stores yet.
 * From `FLOOPY_MASTER_KEY` (32 bytes, base64 or hex); in the embedded default, generated once into
 * the data dir (mode 0600), and every instance of a fleet must share it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/config-error.js";

export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const candidates = [
    /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : null,
    Buffer.from(trimmed, "base64"),
  ];
  const key = candidates.find((candidate) => candidate !== null && candidate.length === 32);
  if (!key) throw new ConfigError(`${source}: expected 32 bytes, base64 or hex encoded`);
  return key;
}

export interface MasterKeyResult {
  key: Buffer;
  /** Set when the key was generated now; the caller warns. */
  generatedAt: string | null;
}

export interface MasterKeyOptions {
  fromEnv: string | undefined;
  dataDir: string;
  distributed: boolean;
}

export function loadMasterKey(options: MasterKeyOptions): MasterKeyResult {
  const found = findMasterKey(options);
  if (found !== undefined) return { key: found, generatedAt: null };
  const path = join(options.dataDir, "master.key");
  mkdirSync(options.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  return { key, generatedAt: path };
}

/**
 * The key `loadMasterKey` would use, without writing anything (`floopy config validate`):
 * undefined when it would generate one. Refuses what `loadMasterKey` refuses.
 */
export function findMasterKey(options: MasterKeyOptions): Buffer | undefined {
  if (options.fromEnv !== undefined) return parseMasterKey(options.fromEnv, "FLOOPY_MASTER_KEY");
  if (options.distributed) {
    throw new ConfigError(
      "FLOOPY_MASTER_KEY: required with FLOOPY_DATABASE_URL (every instance must sign, and later seal, with the same key)",
    );
  }
  const path = join(options.dataDir, "master.key");
  return existsSync(path) ? parseMasterKey(readFileSync(path, "utf8"), path) : undefined;
}

const VERSION = "v1";

/** `v1:<iv>:<tag>:<ciphertext>`, base64url parts; the version allows rotating the scheme. */
export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    ciphertext.toString("base64url"),
  ].join(":");
}

export function unseal(key: Buffer, sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(":");
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw new Error("not a sealed value");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
    "utf8",
  );
}
