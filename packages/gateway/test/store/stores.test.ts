/**
 * Runs the store contract against every backend: SQLite in a fresh temporary directory, and
 * PostgreSQL in a fresh schema of FLOOPY_TEST_DATABASE_URL (dropped afterwards). Without that
 * variable the PostgreSQL suite is skipped on a laptop and fails in CI, so CI cannot pass by
 * silently not testing PostgreSQL.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStores } from "../../src/store/index.js";
import { describeWithPostgres } from "../support/postgres.js";
import { storeContract } from "./store-contract.js";

const execFileAsync = promisify(execFile);
const root = new URL("../../../../", import.meta.url).pathname;
const childScript = new URL("./open-stores-child.ts", import.meta.url).pathname;

describe("sqlite stores", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "floopy-store-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  storeContract(() => openStores({ dataDir }));

  it("keeps the database at <dataDir>/floopy.db in WAL mode, creating the directory", async () => {
    const nested = join(dataDir, "nested", "deeper");
    const stores = await openStores({ dataDir: nested, databaseUrl: undefined });
    await stores.close();
    const path = join(nested, "floopy.db");
    expect(existsSync(path)).toBe(true);
    const database = new BetterSqlite3(path, { readonly: true });
    try {
      expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      database.close();
    }
  });

  it("lets several processes migrate one new file at once, applying each migration once", async () => {
    const fresh = join(dataDir, "concurrent");
    // Staggered by a few ms, so each one's start lands somewhere inside another's migration.
    const startAt = Date.now() + 2_000;
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        execFileAsync(
          process.execPath,
          ["--import", "tsx", childScript, fresh, String(startAt + index * 2)],
          {
            cwd: root,
            timeout: 30_000,
          },
        ),
      ),
    );
    const database = new BetterSqlite3(join(fresh, "floopy.db"), { readonly: true });
    try {
      expect(database.prepare("select name from kysely_migration").all()).toEqual([
        { name: "0001-initial" },
        { name: "0002-routing-decisions" },
        { name: "0003-routing-rules-and-admin-keys" },
        { name: "0004-gateway-instances" },
        { name: "0005-admin-resources" },
        { name: "0006-providers" },
        { name: "0007-plans" },
        { name: "0008-cache-status" },
        { name: "0009-platform" },
        { name: "0010-evaluations" },
        { name: "0011-usage-rollup" },
      ]);
      // The default org and project were each inserted once, one version bump apiece.
      expect(database.prepare("select version from control_meta").get()).toEqual({ version: 2 });
    } finally {
      database.close();
    }
  });
});

describe("openStores", () => {
  it("refuses an unsupported URL scheme, naming it without echoing the password", async () => {
    const attempt = openStores({
      databaseUrl: "mysql://floopy:s3cret-pass@db.example/floopy",
      dataDir: tmpdir(),
    });
    await expect(attempt).rejects.toThrow(/"mysql:"/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
    await expect(openStores({ databaseUrl: "not a url", dataDir: tmpdir() })).rejects.toThrow(/no scheme/);
  });

  it("rejects promptly when PostgreSQL refuses connections", async () => {
    const started = Date.now();
    await expect(
      openStores({ databaseUrl: "postgresql://floopy:s3cret@127.0.0.1:1/floopy", dataDir: tmpdir() }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("rejects within the connect timeout when PostgreSQL accepts but never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      await expect(
        openStores({ databaseUrl: `postgres://floopy@127.0.0.1:${port}/floopy`, dataDir: tmpdir() }),
      ).rejects.toThrow();
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1_500);
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describeWithPostgres("postgres stores", (postgres) => {
  let url = "";
  beforeAll(async () => {
    url = await postgres.freshSchemaUrl();
  });

  storeContract(() => openStores({ databaseUrl: url, dataDir: tmpdir() }));

  it("lets several instances migrate one new schema at once, applying each migration once", async () => {
    const fresh = await postgres.freshSchemaUrl();
    const opened = await Promise.all(
      Array.from({ length: 4 }, () => openStores({ databaseUrl: fresh, dataDir: tmpdir() })),
    );
    await Promise.all(opened.map((stores) => stores.close()));
    const schema = postgres.schemas.at(-1);
    const migrations = await postgres.query(`select name from ${schema}.kysely_migration`);
    expect(migrations.rows).toEqual([
      { name: "0001-initial" },
      { name: "0002-routing-decisions" },
      { name: "0003-routing-rules-and-admin-keys" },
      { name: "0004-gateway-instances" },
      { name: "0005-admin-resources" },
      { name: "0006-providers" },
      { name: "0007-plans" },
      { name: "0008-cache-status" },
      { name: "0009-platform" },
      { name: "0010-evaluations" },
      { name: "0011-usage-rollup" },
    ]);
    const meta = await postgres.query(`select version from ${schema}.control_meta`);
    expect(Number(meta.rows[0]?.version)).toBe(2);
  });

  it("survives the server dropping its connections, and reconnects", async () => {
    const applicationName = `floopy_test_${randomBytes(6).toString("hex")}`;
    const named = new URL(url);
    named.searchParams.set("application_name", applicationName);
    const backgroundErrors: Error[] = [];
    const stores = await openStores({
      databaseUrl: named.toString(),
      dataDir: tmpdir(),
      onBackgroundError: (error) => backgroundErrors.push(error),
    });
    try {
      await stores.ping();
      const terminated = await postgres.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
        [applicationName],
      );
      expect(terminated.rowCount).toBeGreaterThan(0);
      // Let the idle connections notice; an unhandled 'error' event here would kill the run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(backgroundErrors.length).toBeGreaterThan(0);
      await stores.ping();
      expect(await stores.control.controlVersion()).toBeGreaterThan(0);
    } finally {
      await stores.close();
    }
  });
});
