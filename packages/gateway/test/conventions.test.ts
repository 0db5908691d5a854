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
  it("documents every error code in docs/errors.md, and no other", () => {
    const doc = readFileSync(join(root, "docs/errors.md"), "utf8");
    const table = doc.slice(doc.indexOf("## Floopy's own codes"), doc.indexOf("## Errors in the middle"));
    const documented = [...table.matchAll(/^\| `([A-Za-z_]+)` *\| (\d{3}) *\|/gm)].map((match) => [
      match[1],
      Number(match[2]),
    ]);
    const registered = Object.entries(errorCodes).map(([code, entry]) => [code, entry.status]);
    expect(documented.sort()).toEqual(registered.sort());
  });

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
