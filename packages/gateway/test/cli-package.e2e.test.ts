/**
 * The gateway as a package, outside the clone: `npm pack` of packages/gateway (its prepack builds
 * the bundle), installed from the tarball into a scratch folder (dependencies from the registry),
 * then `npx floopy serve --demo` answers a chat request. Slow (npm install builds better-sqlite3),
 * hence its own file and a generous timeout.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startProcess } from "./support/spawn-gateway.js";

const run = promisify(execFile);
const gatewayDir = new URL("..", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(gatewayDir, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};

let scratch: string;
let project: string;
let tarball: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "floopy-package-"));
  const packed = await run("npm", ["pack", "--json", "--pack-destination", scratch], {
    cwd: gatewayDir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [entry] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!entry) throw new Error(`npm pack printed no package: ${packed.stdout}`);
  tarball = join(scratch, entry.filename);
  const files = entry.files.map((file) => file.path);
  expect(files).toContain("bin/floopy.js");
  expect(files).toContain("dist/floopy.mjs");
  expect(files.filter((path) => path.startsWith("src/"))).toEqual([]);

  project = join(scratch, "project");
  await run("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "floopy-install-check", private: true, allowScripts: { "better-sqlite3": true } })}\n`,
  );
  await run("npm", ["install", "--no-audit", "--no-fund", tarball], {
    cwd: project,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 480_000,
  });
}, 600_000);

afterAll(async () => {
  if (child?.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe("the packed gateway package", () => {
  it("installs from the registry without the workspace or tsx, with a floopy bin", async () => {
    const installed = join(project, "node_modules", "@floopy", "gateway");
    expect(existsSync(join(installed, "dist", "floopy.mjs"))).toBe(true);
    expect(existsSync(join(installed, "src"))).toBe(false);
    // Nothing the package needs at run time comes from the clone: tsx is a tool of the clone only.
    expect(manifest.dependencies).not.toHaveProperty("tsx");
    expect(existsSync(join(project, "node_modules", "tsx"))).toBe(false);
    const version = await run("npx", ["--no", "--", "floopy", "--version"], { cwd: project });
    expect(version.stdout).toBe(`${manifest.version}\n`);
  });

  it("answers a chat request with npx floopy serve --demo", async () => {
    const started = startProcess(
      { FLOOPY_DATA_DIR: join(scratch, "data") },
      { command: ["npx", "--no", "--", "floopy", "serve", "--demo"], cwd: project },
    );
    child = started.child;
    const { url, key } = await vi.waitFor(
      () => {
        const listening = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"floopy gateway listening"/.exec(
          started.output(),
        )?.[1];
        const generated = /(fp_[A-Za-z0-9_-]{16,})/.exec(started.output())?.[1];
        if (!listening || !generated) throw new Error(`not listening yet: ${started.output()}`);
        return { url: listening, key: generated };
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(started.output()).toContain(`(base URL ${url}/v1)`);
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
    const answer = await openai.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "Hello from the package" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Floopy demo provider. You said: Hello from the package");

    const pid = child.pid ?? 0;
    process.kill(-pid, "SIGTERM");
    await vi.waitFor(() => expect(started.output()).toContain("floopy gateway stopped"), {
      timeout: 15_000,
      interval: 100,
    });
  }, 120_000);
});
