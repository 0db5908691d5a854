/**
 * Walks the README's quick start as a newcomer would: `npm start` with the demo provider, the key
 * it prints on the first start, then the curl command, the TypeScript snippets and the Python
 * snippet exactly as the README has them (read from its code blocks, never copied here), with only
 * the base URL and the key substituted, as a reader does.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SpawnedGateway, spawnGateway } from "./support/spawn-gateway.js";

const execFileAsync = promisify(execFile);
const root = new URL("../../../", import.meta.url).pathname;
const README_ORIGIN = "http://127.0.0.1:8787";
const README_KEY = "fp_…";
const ANSWER = "Floopy demo provider. You said: Hello";

interface CodeBlock {
  language: string;
  text: string;
}

/** The fenced code blocks of the README's "Quick start" section, in order. */
function quickStartBlocks(): CodeBlock[] {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("## Quick start");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    language: match[1] ?? "",
    text: match[2] ?? "",
  }));
}

const blocks = quickStartBlocks();
const setUp = blocks[0];
const curl = blocks.find((block) => block.language === "sh" && block.text.startsWith("curl "));
const typescript = blocks.filter((block) => block.language === "ts");
const python = blocks.find((block) => block.language === "python");

/** A Python with the `openai` package, made once per Python version and reused (tmpdir). */
async function pythonWithOpenAI(): Promise<{ python: string } | { reason: string }> {
  let version: string;
  try {
    version = (await execFileAsync("python3", ["--version"])).stdout.trim().replace(/\W+/g, "-");
  } catch {
    return { reason: "python3 is not installed" };
  }
  const venv = join(tmpdir(), `floopy-readme-venv-${version}`);
  const bin = join(venv, "bin", "python");
  const ready = join(venv, ".openai-installed");
  if (!existsSync(ready)) {
    try {
      rmSync(venv, { recursive: true, force: true });
      await execFileAsync("python3", ["-m", "venv", venv]);
      // No retries: an index that cannot be reached fails at once, and the others are tried.
      await execFileAsync(bin, ["-m", "pip", "install", "--quiet", "--retries", "0", "openai"], {
        timeout: 240_000,
      });
      writeFileSync(ready, "");
    } catch (error) {
      return {
        reason: `cannot make a venv with the openai package: ${(error as Error).message.split("\n")[0]}`,
      };
    }
  }
  return { python: bin };
}

describe("the README quick start, with the demo provider", () => {
  let gateway: SpawnedGateway;
  let dataDir: string;
  let key: string;
  const snippets = join(root, "node_modules", ".cache", "floopy-readme-quick-start");
  const asReaderWould = (text: string) =>
    text.replaceAll(README_ORIGIN, gateway.url).replaceAll(README_KEY, key);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "floopy-readme-"));
    mkdirSync(snippets, { recursive: true });
    gateway = await spawnGateway({ FLOOPY_DEMO: "1", FLOOPY_DATA_DIR: dataDir });
    // The key printed once on the first start, as the README says.
    const printed = /^\s+(fp_[A-Za-z0-9_-]{16,})\s*$/m.exec(gateway.output());
    if (!printed?.[1]) throw new Error(`no key printed on the first start:\n${gateway.output()}`);
    key = printed[1];
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sets up with exactly two commands, npm ci && npm start and npm ci && npm test", () => {
    expect(setUp?.language).toBe("sh");
    const commands = (setUp?.text ?? "")
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line !== "");
    expect(commands).toEqual(["npm ci && npm start", "npm ci && npm test"]);
  });

  it("announces the demo provider at start", () => {
    expect(gateway.output()).toContain("DEMO MODE");
  });

  it("answers the curl command, through a fallback", async () => {
    if (!curl) throw new Error("the quick start has no curl command");
    const command = curl.text
      .split("\n")
      .filter((line) => !line.startsWith("#"))
      .join("\n");
    expect(command).toContain(README_ORIGIN);
    const { stdout } = await execFileAsync("sh", ["-c", asReaderWould(command)], { timeout: 30_000 });
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(stdout).toMatch(/^floopy-fallback-used: true\r?$/im);
    expect(stdout).toContain(ANSWER);
  });

  it("has the TypeScript snippets: OpenAI, then Anthropic and Gemini", () => {
    expect(typescript.map((block) => block.text.match(/from "([^"]+)"/g)?.join(" "))).toEqual([
      'from "openai"',
      'from "@anthropic-ai/sdk" from "@google/genai"',
    ]);
  });

  for (const [index, name] of ["openai", "anthropic and gemini"].entries()) {
    it(`runs the TypeScript snippet for ${name} as written`, async () => {
      const block = typescript[index];
      if (!block) throw new Error(`no TypeScript snippet ${index + 1} in the quick start`);
      const file = join(snippets, `snippet-${index + 1}.mts`);
      writeFileSync(file, asReaderWould(block.text));
      const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        timeout: 60_000,
      });
      const lines = stdout.trim().split("\n");
      expect(lines).toEqual(lines.map(() => ANSWER));
      expect(lines.length).toBe(index === 0 ? 1 : 2);
    }, 90_000);
  }

  it("runs the Python snippet as written, with the openai package", async (context) => {
    if (!python) throw new Error("the quick start has no Python snippet");
    const found = await pythonWithOpenAI();
    if ("reason" in found) {
      console.warn(`skipping the README's Python snippet: ${found.reason}`);
      context.skip();
      return;
    }
    const file = join(snippets, "snippet.py");
    writeFileSync(file, asReaderWould(python.text));
    const { stdout } = await execFileAsync(found.python, [file], { timeout: 60_000 });
    expect(stdout.trim()).toBe(ANSWER);
  }, 300_000);
});
