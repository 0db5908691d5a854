import { describe, expect, it } from "vitest";
import { isStoreUnreachable } from "./store-unreachable.js";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isStoreUnreachable", () => {
  it("recognises connection failures, also wrapped or aggregated", () => {
    expect(isStoreUnreachable(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"))).toBe(true);
    expect(isStoreUnreachable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isStoreUnreachable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isStoreUnreachable(new Error("outer", { cause: withCode("reset", "ECONNRESET") }))).toBe(true);
    expect(isStoreUnreachable(new AggregateError([withCode("x", "ETIMEDOUT")], "all attempts failed"))).toBe(
      true,
    );
  });

  it("recognises a database that is shutting down, full of connections, busy or out of disk", () => {
    for (const code of [
      "57P01",
      "57P03",
      "53300",
      "08006",
      "SQLITE_BUSY",
      "SQLITE_FULL",
      "SQLITE_IOERR_WRITE",
    ]) {
      expect(isStoreUnreachable(withCode("no", code)), code).toBe(true);
    }
  });

  it("does not take a failure caused by the data for an outage", () => {
    for (const code of ["23505", "22P02", "42P01", "SQLITE_CONSTRAINT", "SQLITE_MISMATCH"]) {
      expect(isStoreUnreachable(withCode("bad row", code)), code).toBe(false);
    }
    expect(isStoreUnreachable("not an error")).toBe(false);
  });
});
