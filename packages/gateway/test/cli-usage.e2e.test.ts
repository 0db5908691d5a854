/**
 * The floopy command as typed by a person: --version, every command's --help, per-command flags,
 * the nearest valid command or flag for a typo, and one-line startup errors that name the
 * setting to change. Each case runs the command as a child process: the bundle `npm start` runs
 * (built once here; cli.e2e and cli-package run the bin itself), which starts twice as fast as
 * the sources through tsx.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../src/cli/commands.js";
import { openStores } from "../src/store/index.js";

const root = new URL("../../../", import.meta.url).pathname;
const bundle = new URL("../dist/floopy.mjs", import.meta.url).pathname;
const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

let scratch: string;
let env: Record<string, string>;

beforeAll(async () => {
  await promisify(execFile)("npm", ["run", "build", "--silent"], { cwd: root });
  scratch = mkdtempSync(join(tmpdir(), "floopy-cli-usage-"));
  env = { FLOOPY_DATA_DIR: join(scratch, "data"), FLOOPY_LOG_LEVEL: "info" };
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `floopy …` to its exit, with `input` on standard input; resolves however it exits. */
function floopy(args: string[], extraEnv: Record<string, string> = {}, input = ""): Promise<Run> {
  const child = spawn(process.execPath, [bundle, ...args], {
    cwd: root,
    env: { ...process.env, FLOOPY_PORT: "0", FLOOPY_HOST: "127.0.0.1", ...env, ...extraEnv },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** A failure as an operator must see it: exit 2, one line on stderr, no stack trace. */
function expectOneLineFailure(run: Run): string {
  expect(run.code, run.stderr).toBe(2);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(lines[0]).toMatch(/^floopy: /);
  return lines[0] ?? "";
}

describe("floopy --version and --help", () => {
  it("prints the package version", async () => {
    for (const flag of ["--version", "-v"]) {
      const run = await floopy([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it("lists every command", async () => {
    const run = await floopy(["--help"]);
    expect(run.code).toBe(0);
    for (const command of commands) {
      expect(run.stdout).toMatch(
        new RegExp(`^  ${command.words.join(" ")} +${escapeRegExp(command.summary)}$`, "m"),
      );
    }
    expect(run.stdout).toContain("--version");
    expect((await floopy(["help"])).stdout).toBe(run.stdout);
  });

  it("shows no command as a usage error, with the list", async () => {
    const run = await floopy([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: floopy <command>");
  });

  it.each(commands.map((command) => [command.words.join(" "), command] as const))(
    "explains every flag of floopy %s in its --help",
    async (_name, command) => {
      const [run, short, viaHelp] = await Promise.all([
        floopy([...command.words, "--help"]),
        floopy([...command.words, "-h"]),
        floopy(["help", ...command.words]),
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Usage: floopy ${command.words.join(" ")}`);
      for (const [name, flag] of Object.entries(command.flags)) {
        const left = `--${name}${flag.type === "string" ? ` ${flag.value}` : ""}`;
        expect(run.stdout).toMatch(
          new RegExp(`^  ${escapeRegExp(left)} +${escapeRegExp(flag.description)}$`, "m"),
        );
      }
      for (const argument of command.arguments) expect(run.stdout).toContain(argument.name);
      expect(run.stdout).toMatch(/^ {2}-h, --help +show this help$/m);
      // -h, and `floopy help <command>`, say the same.
      expect(short.stdout).toBe(run.stdout);
      expect(viaHelp.stdout).toBe(run.stdout);
    },
  );

  it("lists a group's commands for floopy keys --help, and when the subcommand is missing", async () => {
    const help = await floopy(["keys", "--help"]);
    expect(help.code).toBe(0);
    for (const word of ["create", "list", "update", "revoke", "hash"])
      expect(help.stdout).toContain(`keys ${word}`);
    expect(help.stdout).not.toContain("serve");
    const missing = await floopy(["keys"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("keys create");
  });
});

describe.concurrent("mistyped commands and flags", () => {
  it.each([
    [["kyes", "list"], "unknown command 'kyes'; did you mean 'keys'?"],
    [["srve"], "unknown command 'srve'; did you mean 'serve'?"],
    [["keys", "lsit"], "unknown command 'keys lsit'; did you mean 'keys list'?"],
    [["keys", "updte", "key_1"], "unknown command 'keys updte'; did you mean 'keys update'?"],
    [["config", "valdate"], "unknown command 'config valdate'; did you mean 'config validate'?"],
    [["keys", "create", "--nmae", "ci"], "keys create: unknown option '--nmae'; did you mean '--name'?"],
    [["serve", "--prot", "1"], "serve: unknown option '--prot'; did you mean '--port'?"],
    [["keys", "update", "key_1", "--no-routing-rul"], "did you mean '--no-routing-rule'?"],
    [["--verison"], "unknown option '--verison'; did you mean '--version'?"],
    [
      ["keys", "--json"],
      "floopy: keys: expected a command (create, list, update, revoke, hash) before '--json'",
    ],
  ])("answers floopy %j with the nearest valid one", async (args, expected) => {
    expect(expectOneLineFailure(await floopy(args))).toContain(expected);
  });

  it("says where to look when nothing is close", async () => {
    expect(expectOneLineFailure(await floopy(["deploy"]))).toBe(
      "floopy: unknown command 'deploy'; see floopy --help",
    );
  });

  it("refuses a flag the command does not take, naming the command (and the one that takes it)", async () => {
    const line = expectOneLineFailure(await floopy(["keys", "list", "--port", "8080"]));
    expect(line).toContain("keys list: unknown option '--port' (an option of floopy serve)");
    expect(expectOneLineFailure(await floopy(["keys", "hash", "--admin"]))).toContain(
      "keys hash: unknown option '--admin'",
    );
    expect(expectOneLineFailure(await floopy(["--port", "8080", "serve"]))).toContain(
      "options go after the command: floopy serve --port",
    );
  });

  it("refuses a missing flag value, a value for a switch, and extra arguments", async () => {
    expect(expectOneLineFailure(await floopy(["keys", "create", "--name"]))).toContain("keys create:");
    expect(expectOneLineFailure(await floopy(["keys", "list", "--json=yes"]))).toContain(
      "keys list: option '--json' takes no value",
    );
    expect(expectOneLineFailure(await floopy(["keys", "revoke", "a", "b"]))).toContain(
      "keys revoke: takes one argument (ID), got also 'b'",
    );
    expect(expectOneLineFailure(await floopy(["keys", "list", "extra"]))).toContain(
      "keys list: takes no arguments",
    );
  });
});

describe("floopy keys hash", () => {
  const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

  it("prints the config file's form of a given key, also read from standard input", async () => {
    const key = "fp_hash_me_0123456789abcdef";
    const given = await floopy(["keys", "hash", key]);
    expect(given.code).toBe(0);
    expect(given.stdout).toBe(`${sha256(key)}\n`);
    const piped = await floopy(["keys", "hash", "-"], {}, `${key}\n`);
    expect(piped.stdout).toBe(`${sha256(key)}\n`);
    expect(JSON.parse((await floopy(["keys", "hash", key, "--json"])).stdout)).toEqual({ hash: sha256(key) });
  });

  it("makes a new key and prints it with its hash, touching no store", async () => {
    const dataDir = join(scratch, "hash-untouched");
    for (const args of [
      ["keys", "hash"],
      ["keys", "hash", "--new"],
    ]) {
      const run = await floopy(args, { FLOOPY_DATA_DIR: dataDir });
      expect(run.code).toBe(0);
      const [key = "", hash, ...rest] = run.stdout.trimEnd().split("\n");
      expect(rest).toEqual([]);
      expect(key).toMatch(/^fp_[A-Za-z0-9_-]{32}$/);
      expect(hash).toBe(sha256(key));
      expect(run.stderr).toContain(`hash: "${hash}"`);
    }
    const json = JSON.parse((await floopy(["keys", "hash", "--json"])).stdout) as {
      key: string;
      hash: string;
    };
    expect(json.hash).toBe(sha256(json.key));
    expect(existsSync(dataDir)).toBe(false);
    expect(expectOneLineFailure(await floopy(["keys", "hash", "fp_x", "--new"]))).toContain("not both");
  });
});

describe("refusals before anything is written", () => {
  it("refuses an expiry in the past, or not a date, in one line", async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const past = expectOneLineFailure(
      await floopy(["keys", "create", "--name", "late", "--expires-at", yesterday]),
    );
    expect(past).toContain(`keys create: --expires-at: ${yesterday} is in the past`);
    const notDate = expectOneLineFailure(
      await floopy(["keys", "create", "--name", "x", "--expires-at", "tomorrow"]),
    );
    expect(notDate).toContain(
      'expected an ISO-8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z, got "tomorrow"',
    );
    const update = expectOneLineFailure(await floopy(["keys", "update", "key_1", "--expires-at", yesterday]));
    expect(update).toContain("keys update: --expires-at:");
    expect(update).toContain("is in the past");
  });

  it("refuses a key limit that is not a positive whole number (a budget: not a non-negative amount)", async () => {
    expect(expectOneLineFailure(await floopy(["keys", "create", "--name", "x", "--rpm", "0"]))).toContain(
      'keys create: --rpm: expected a whole number from 1 to 2147483647, got "0"',
    );
    expect(expectOneLineFailure(await floopy(["keys", "create", "--name", "x", "--tpm", "1.5"]))).toContain(
      "keys create: --tpm:",
    );
    expect(
      expectOneLineFailure(await floopy(["keys", "create", "--name", "x", "--monthly-budget-usd", "lots"])),
    ).toContain("keys create: --monthly-budget-usd:");
    expect(
      expectOneLineFailure(await floopy(["keys", "update", "key_1", "--tpm", "5", "--no-tpm"])),
    ).toContain("give --tpm or --no-tpm, not both");
  });

  it("stores a key's own limits from keys create, and changes and clears them with keys update", async () => {
    const dataDir = join(scratch, "limits");
    const created = await floopy(
      [
        "keys",
        "create",
        "--name",
        "limited",
        "--rpm",
        "60",
        "--tpm",
        "90000",
        "--monthly-budget-usd",
        "12.5",
        "--json",
      ],
      { FLOOPY_DATA_DIR: dataDir },
    );
    expect(created.code).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const listed = async () =>
      (
        JSON.parse((await floopy(["keys", "list", "--json"], { FLOOPY_DATA_DIR: dataDir })).stdout) as Array<{
          id: string;
        }>
      ).find((key) => key.id === id);
    expect(await listed()).toMatchObject({ rpm: 60, tpm: 90_000, monthlyBudgetUsd: 12.5 });
    const updated = await floopy(["keys", "update", id, "--no-rpm", "--tpm", "1000", "--json"], {
      FLOOPY_DATA_DIR: dataDir,
    });
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ rpm: null, tpm: 1000, monthlyBudgetUsd: 12.5 });
    expect(await listed()).toMatchObject({ rpm: null, tpm: 1000, monthlyBudgetUsd: 12.5 });

    // Both changes are in the audit log, made by no key, through the CLI.
    expect((await floopy(["keys", "revoke", id], { FLOOPY_DATA_DIR: dataDir })).code).toBe(0);
    const stores = await openStores({ dataDir });
    try {
      const entries = (await stores.control.listAudit({ limit: 50, resource: "keys" })).filter(
        (entry) => entry.resourceId === id,
      );
      expect(entries.map((entry) => entry.action)).toEqual(["keys.revoke", "keys.update", "keys.create"]);
      for (const entry of entries) expect(entry).toMatchObject({ actorKeyId: null, detail: { via: "cli" } });
      expect(entries[1]?.detail.changed).toEqual(["rpm", "tpm"]);
      expect(entries[1]?.beforeHash).toBe(entries[2]?.afterHash);
      expect(entries[0]?.beforeHash).toBe(entries[1]?.afterHash);
    } finally {
      await stores.close();
    }
  });

  it("refuses keys update with nothing to change, or both a value and its --no- form", async () => {
    expect(expectOneLineFailure(await floopy(["keys", "update", "key_1"]))).toContain(
      "keys update: nothing to change",
    );
    expect(
      expectOneLineFailure(
        await floopy(["keys", "update", "key_1", "--routing-rule", "r", "--no-routing-rule"]),
      ),
    ).toContain("give --routing-rule or --no-routing-rule, not both");
    expect(expectOneLineFailure(await floopy(["keys", "update"]))).toContain("the key ID is required");
  });
});

describe("one-line startup errors naming the setting to change", () => {
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    takenPort = typeof address === "object" && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  });

  it("a port in use: FLOOPY_PORT or --port", async () => {
    for (const run of [
      await floopy(["serve", "--port", String(takenPort)]),
      await floopy(["serve"], { FLOOPY_PORT: String(takenPort) }),
    ]) {
      const line = expectOneLineFailure(run);
      expect(line).toContain(`port ${takenPort} on 127.0.0.1 is already in use (EADDRINUSE)`);
      expect(line).toContain("FLOOPY_PORT or --port");
    }
  });

  it("an unreachable database: FLOOPY_DATABASE_URL, without its password", async () => {
    const databaseEnv = {
      FLOOPY_DATABASE_URL: "postgres://floopy:hunter2-secret@127.0.0.1:1/x",
      FLOOPY_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
    };
    for (const args of [["serve"], ["keys", "list"], ["config", "validate"]]) {
      const run = await floopy(args, databaseEnv);
      const line = expectOneLineFailure(run);
      expect(line).toContain("cannot reach the database at postgres://127.0.0.1:1/x (ECONNREFUSED)");
      expect(line).toContain("FLOOPY_DATABASE_URL");
      expect(run.stdout + run.stderr).not.toContain("hunter2");
    }
    const scheme = expectOneLineFailure(
      await floopy(["keys", "list"], { FLOOPY_DATABASE_URL: "mysql://127.0.0.1/x" }),
    );
    expect(scheme).toContain('FLOOPY_DATABASE_URL: database URL scheme "mysql:" is not supported');
  });

  it("an unusable data directory: FLOOPY_DATA_DIR", async () => {
    // Tests run as root, where permissions do not bite: a path through a regular file does.
    const file = join(scratch, "a-file");
    writeFileSync(file, "not a directory\n");
    for (const [dataDir, reason] of [
      [join(file, "data"), "a part of the path is a file, not a directory, ENOTDIR"],
      [file, "it is a file, not a directory"],
    ] as const) {
      for (const args of [["serve"], ["keys", "list"]]) {
        const line = expectOneLineFailure(await floopy(args, { FLOOPY_DATA_DIR: dataDir }));
        expect(line).toContain(`cannot use the data directory "${dataDir}" (${reason}`);
        expect(line).toContain("set FLOOPY_DATA_DIR");
      }
    }
  });

  it("an invalid FLOOPY_LOG_LEVEL, listing the valid levels", async () => {
    for (const args of [["serve"], ["config", "validate"]]) {
      const line = expectOneLineFailure(await floopy(args, { FLOOPY_LOG_LEVEL: "loud" }));
      expect(line).toBe(
        "floopy: FLOOPY_LOG_LEVEL: 'loud' is not a log level; use one of trace, debug, info, warn, error, fatal, silent",
      );
    }
  });

  it("an invalid --port", async () => {
    expect(expectOneLineFailure(await floopy(["serve", "--port", "http"]))).toBe(
      'floopy: --port: expected a port number 0-65535, got "http"',
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("limits and Redis", () => {
  it("config validate accepts INTERFACE.md's limits and a Redis URL without a warning", async () => {
    const file = join(scratch, "limits.yaml");
    writeFileSync(
      file,
      [
        "keys:",
        `  - { name: ci, hash: "sha256:${"c".repeat(64)}", rpm: 600, monthly_budget_usd: 50 }`,
        "limits: { org_rpm: 6000 }",
        "",
      ].join("\n"),
    );
    const run = await floopy(["config", "validate", "--config", file], {
      FLOOPY_REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^configuration OK/);
    expect(run.stderr).toBe("");
  });

  it("refuses a FLOOPY_REDIS_URL that is not a Redis URL, naming the variable", async () => {
    const run = await floopy(["config", "validate"], { FLOOPY_REDIS_URL: "http://127.0.0.1:6379" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("FLOOPY_REDIS_URL: expected a redis:// or rediss:// URL");
  });
});
