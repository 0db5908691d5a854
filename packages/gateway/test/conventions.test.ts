/**
 * Conventions the code relies on: every error code documented (and only those), every provider
 * declaration registered, rooms that must stay pure import no I/O.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../src/errors/error-codes.js";
import { providerRegistry } from "../src/providers/registry.js";

const root = new URL("../../../", import.meta.url).pathname;
const src = join(root, "packages/gateway/src");

function files(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

describe("conventions", () => {
  it("registers every provider declaration file", () => {
    const declared = readdirSync(join(src, "providers"))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .filter((name) => /ProviderDeclaration = \{/.test(readFileSync(join(src, "providers", name), "utf8")));
    expect(declared.length).toBe(Object.keys(providerRegistry).length);
  });

  it("keeps canonical/ and protocol/ free of I/O, clocks and randomness", () => {
    const pure = [...files(join(src, "canonical")), ...files(join(src, "protocol"))].filter(
      (path) => path.endsWith(".ts") && !path.endsWith(".test.ts"),
    );
    for (const path of pure) {
      const text = readFileSync(path, "utf8");
      expect(text, path).not.toMatch(/from "node:(fs|net|http|https|dns|child_process)"/);
      expect(text, path).not.toMatch(/Date\.now\(|Math\.random\(|process\.env|fetch\(/);
      expect(text, path).not.toMatch(/from "\.\.\/(\.\.\/)?(pipeline|http|store|upstream)\//);
    }
  });
});

describe("the error registry and docs/errors.md", () => {
  const doc = readFileSync(join(root, "docs/errors.md"), "utf8");
  const rows = (from: string, to: string) => {
    const table = doc.slice(doc.indexOf(from), doc.indexOf(to));
    return [...table.matchAll(/^\| `([A-Za-z_]+)` *\| (\d{3}) *\|/gm)].map((match) => [
      match[1] as string,
      Number(match[2]),
    ]);
  };
  const generation = rows("## Floopy's own codes", "### Floopy's own API codes");
  const ownApi = rows("### Floopy's own API codes", "### Retryable codes");
  const registered = Object.entries(errorCodes).map(([code, entry]) => [code, entry.status]);

  it("documents every registered code with its status, once, and no other", () => {
    expect(generation.length).toBeGreaterThan(0);
    expect(ownApi.length).toBeGreaterThan(0);
    expect([...generation, ...ownApi].sort()).toEqual(registered.sort());
  });

  it("keeps upper-case codes in the generation table and lower-case ones in the own-API table", () => {
    for (const [code] of generation) expect(code).toMatch(/^[A-Z_]+$/);
    for (const [code] of ownApi) expect(code).toMatch(/^[a-z_]+$/);
  });

  it("lists exactly the retryable codes as retryable", () => {
    const section = doc.slice(doc.indexOf("### Retryable codes"), doc.indexOf("## Upstream statuses"));
    const paragraph = section.slice(0, section.indexOf("every other code"));
    const listed = [...paragraph.matchAll(/`([A-Za-z_]+)`/g)].map((match) => match[1]);
    const retryable = Object.entries(errorCodes)
      .filter(([, entry]) => entry.retryable)
      .map(([code]) => code);
    expect(listed.sort()).toEqual(retryable.sort());
  });
});
