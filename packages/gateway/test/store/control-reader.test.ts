/**
 * The read-only control reader `floopy config validate` uses: it sees the rules and keys a start
 * would see, reads a database that does not exist yet (or has no tables) as empty, and creates or
 * writes nothing — on SQLite and on PostgreSQL.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openControlReader } from "../../src/store/open-control-reader.js";
import type { OpenStoresOptions } from "../../src/store/open-stores.js";
import { openStores } from "../../src/store/open-stores.js";
import { describeWithPostgres } from "../support/postgres.js";

const hash = `sha256:${"ab".repeat(32)}`;

async function seed(options: OpenStoresOptions): Promise<void> {
  const stores = await openStores(options);
  try {
    await stores.control.saveRoutingRule({
      name: "seeded",
      definition: { strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }] },
      source: "admin",
      mode: "create",
      replaceable: [],
    });
    await stores.control.insertApiKey({
      id: "key_reader",
      orgId: "default",
      projectId: null,
      name: "reader",
      hash,
      displayPrefix: "fp_read",
      source: "cli",
      routingRule: "seeded",
      rpm: null,
      tpm: null,
      monthlyBudgetUsd: null,
      expiresAt: null,
    });
  } finally {
    await stores.close();
  }
}

async function expectReads(options: OpenStoresOptions): Promise<void> {
  const opened = await openControlReader(options);
  try {
    expect(await opened.reader.getRoutingRule("seeded")).toMatchObject({ name: "seeded", source: "admin" });
    expect(await opened.reader.getRoutingRule("absent")).toBeUndefined();
    expect(await opened.reader.findApiKeyByHash(hash)).toMatchObject({
      id: "key_reader",
      routingRule: "seeded",
    });
  } finally {
    await opened.close();
  }
}

async function expectEmpty(options: OpenStoresOptions): Promise<void> {
  const opened = await openControlReader(options);
  try {
    expect(await opened.reader.getRoutingRule("seeded")).toBeUndefined();
    expect(await opened.reader.findApiKeyByHash(hash)).toBeUndefined();
  } finally {
    await opened.close();
  }
}

describe("control reader on sqlite", () => {
  const root = mkdtempSync(join(tmpdir(), "floopy-reader-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads a missing data directory as empty and creates nothing", async () => {
    const dataDir = join(root, "missing");
    await expectEmpty({ dataDir });
    expect(existsSync(dataDir)).toBe(false);
  });

  it("reads the rules and keys of an existing store, changing nothing in it", async () => {
    const dataDir = join(root, "seeded");
    await seed({ dataDir });
    const database = join(dataDir, "floopy.db");
    const before = readFileSync(database);
    await expectReads({ dataDir });
    expect(readFileSync(database).equals(before)).toBe(true);
    // A WAL reader may leave SQLite's shared-memory index and an empty log beside the file; no data.
    const wal = join(dataDir, "floopy.db-wal");
    if (existsSync(wal)) expect(statSync(wal).size).toBe(0);
  });

  it("refuses a database URL no backend serves, as openStores does", async () => {
    await expect(openControlReader({ dataDir: root, databaseUrl: "mysql://127.0.0.1/x" })).rejects.toThrow(
      'database URL scheme "mysql:" is not supported',
    );
  });
});

describeWithPostgres("control reader on postgres", (postgres) => {
  it("reads a schema without tables as empty, and creates none", async () => {
    const url = await postgres.freshSchemaUrl();
    await expectEmpty({ databaseUrl: url, dataDir: tmpdir() });
    const schema = postgres.schemas.at(-1);
    const tables = await postgres.query(
      "select count(*)::int as count from pg_tables where schemaname = $1",
      [schema],
    );
    expect(tables.rows[0]).toEqual({ count: 0 });
  });

  it("reads the rules and keys of a migrated schema", async () => {
    const url = await postgres.freshSchemaUrl();
    await seed({ databaseUrl: url, dataDir: tmpdir() });
    await expectReads({ databaseUrl: url, dataDir: tmpdir() });
  });
});
