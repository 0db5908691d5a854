/**
 * Every ```yaml block of the user docs (docs/*.md, README.md) is a config file a reader may paste,
 * so each must pass the real loader's parsing and schema. A block that is deliberately a fragment
 * says so with `# partial` as its first line and is skipped.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../src/config/load-config.js";

const root = new URL("../../../", import.meta.url).pathname;
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

interface Block {
  page: string;
  line: number;
  text: string;
}

function yamlBlocks(page: string): Block[] {
  const text = readFileSync(join(root, page), "utf8");
  return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => ({
    page,
    line: text.slice(0, match.index).split("\n").length,
    text: match[1] ?? "",
  }));
}

const blocks = pages.flatMap(yamlBlocks);
const checked = blocks.filter((block) => !block.text.startsWith("# partial"));

describe("the YAML examples of the docs", () => {
  it("finds the examples (configuration.md and routing.md have some)", () => {
    expect(checked.some((block) => block.page === "docs/configuration.md")).toBe(true);
    expect(checked.filter((block) => block.page === "docs/routing.md").length).toBeGreaterThan(1);
  });

  for (const block of checked) {
    it(`${block.page}:${block.line} is a valid config file`, () => {
      // Every `${VAR}` a block names is set, as the reader following it would set it.
      const env = Object.fromEntries(
        [...block.text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => [
          match[1],
          "sk-docs-example",
        ]),
      );
      expect(() => parseConfigText(block.text, `${block.page}:${block.line}`, env)).not.toThrow();
    });
  }
});
