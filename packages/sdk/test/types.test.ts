/**
 * The SDK's types, checked by the TypeScript compiler with the repo's own strict settings:
 * the usage example compiles cleanly, and each misuse in the misuse example fails with the error
 * its `// expect TSnnnn` comment names (and nothing else fails).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const usageFile = join(here, "fixtures/usage-example.ts");
const misuseFile = join(here, "fixtures/misuse-example.ts");

let diagnostics: readonly ts.Diagnostic[];

function compilerOptions(): ts.CompilerOptions {
  const base = join(here, "../../../tsconfig.base.json");
  const read = ts.readConfigFile(base, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(base));
  return {
    ...parsed.options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    emitDeclarationOnly: false,
  };
}

function at(diagnostic: ts.Diagnostic): { file: string; line: number; code: string; text: string } {
  const file = diagnostic.file;
  const line =
    file && diagnostic.start !== undefined
      ? file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
      : 0;
  return {
    file: file?.fileName ?? "",
    line,
    code: `TS${diagnostic.code}`,
    text: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
  };
}

beforeAll(() => {
  const program = ts.createProgram([usageFile, misuseFile], compilerOptions());
  diagnostics = ts.getPreEmitDiagnostics(program);
}, 60_000);

describe("types", () => {
  it("the usage example compiles with zero errors", () => {
    const errors = diagnostics.map(at).filter((found) => found.file !== misuseFile);
    expect(errors).toEqual([]);
  });

  it("each misuse fails with the expected error, and nothing else fails", () => {
    const lines = ts.sys.readFile(misuseFile)?.split("\n") ?? [];
    const expected: string[] = [];
    lines.forEach((text, index) => {
      const marker = /\/\/ expect (TS\d+)/.exec(text);
      // The marker names the error of the next line (lines count from 1).
      if (marker) expected.push(`${index + 2} ${marker[1]}`);
    });
    expect(expected.length).toBeGreaterThanOrEqual(10);
    const found = diagnostics
      .map(at)
      .filter((diagnostic) => diagnostic.file === misuseFile)
      .map((diagnostic) => `${diagnostic.line} ${diagnostic.code}`);
    expect(found.sort()).toEqual(expected.sort());
  });
});
