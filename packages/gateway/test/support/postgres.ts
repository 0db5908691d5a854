/**
 * PostgreSQL for tests: each suite gets fresh schemas of FLOOPY_TEST_DATABASE_URL, dropped
 * afterwards. Without that variable the suite is skipped on a laptop (with a message saying how to
 * run it) and fails in CI, so CI cannot pass by skipping.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";

export interface PostgresSchemas {
  /** A URL whose connections see only a new, empty schema. */
  freshSchemaUrl(): Promise<string>;
  /** Runs SQL as the admin connection (outside any test schema). */
  query(sql: string, parameters?: unknown[]): Promise<pg.QueryResult>;
  /** The schema names created so far, newest last. */
  readonly schemas: readonly string[];
}

export function describeWithPostgres(name: string, body: (postgres: PostgresSchemas) => void): void {
  const base = process.env.FLOOPY_TEST_DATABASE_URL;
  if (base === undefined || base === "") {
    if (process.env.CI === "true") {
      describe(name, () => {
        it("needs a database", () => {
          throw new Error(
            "FLOOPY_TEST_DATABASE_URL is required in CI (e.g. postgres://postgres@127.0.0.1:5432/test)",
          );
        });
      });
      return;
    }
    console.warn(
      `${name}: FLOOPY_TEST_DATABASE_URL is not set; skipping ` +
        "(e.g. FLOOPY_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)",
    );
    describe.skip(`${name} (set FLOOPY_TEST_DATABASE_URL to run)`, () => {
      it("needs a database", () => {});
    });
    return;
  }
  describe(name, () => {
    const schemas: string[] = [];
    const admin = new pg.Client({ connectionString: base });
    beforeAll(async () => {
      await admin.connect();
    });
    afterAll(async () => {
      for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    });
    body({
      schemas,
      query: (sql, parameters) => admin.query(sql, parameters),
      async freshSchemaUrl() {
        const schema = `floopy_test_${randomBytes(6).toString("hex")}`;
        await admin.query(`create schema ${schema}`);
        schemas.push(schema);
        const url = new URL(base);
        url.searchParams.set("options", `-c search_path=${schema}`);
        return url.toString();
      },
    });
  });
}
