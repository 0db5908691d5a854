/**
 * Conventions the code relies on: every error code documented (and only those), every provider
 * declaration registered, rooms that must stay pure import no I/O, and imports that follow the
 * room table of docs/contributing.md (down only, never in a cycle).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
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

interface Room {
  name: string;
  /** Rooms it may import values from, and rooms it may import only types from. */
  values: Set<string>;
  types: Set<string>;
}

/** The room table of docs/contributing.md, in its bottom-up order. */
function roomTable(): Room[] {
  const text = readFileSync(join(root, "docs/contributing.md"), "utf8");
  const rows = text.split("\n").filter((line) => /^\| `[a-z]+\/`/.test(line));
  const rooms: Room[] = [];
  for (const row of rows) {
    const cells = row.split("|").map((cell) => cell.trim());
    const name = /`([a-z]+)\/`/.exec(cells[1] ?? "")?.[1] ?? "";
    const allowed = cells[3] ?? "";
    const room: Room = { name, values: new Set(), types: new Set() };
    if (allowed === "everything") {
      for (const other of rooms) room.values.add(other.name);
      room.values.add("*");
    } else if (allowed === "everything below") {
      for (const other of rooms) room.values.add(other.name);
    } else if (allowed !== "nothing") {
      for (const entry of allowed.split(",").map((part) => part.trim())) {
        const used = /`([a-z]+)\/`/.exec(entry)?.[1];
        if (!used) throw new Error(`unreadable entry "${entry}" for ${name}/`);
        (entry.endsWith("(types)") ? room.types : room.values).add(used);
      }
    }
    rooms.push(room);
  }
  return rooms;
}

describe("conventions", () => {
  it("follows the room table: every room listed, imports only down to rooms it may use", () => {
    const rooms = roomTable();
    const byName = new Map(rooms.map((room) => [room.name, room]));
    const actual = readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(actual.filter((name) => !byName.has(name))).toEqual([]);
    rooms.forEach((room, index) => {
      const earlier = new Set(rooms.slice(0, index).map((other) => other.name));
      // The table itself points down only: a room may use only rooms listed before it.
      for (const used of [...room.values, ...room.types]) {
        if (used !== "*")
          expect(earlier.has(used), `${room.name}/ may use ${used}/, listed after it`).toBe(true);
      }
    });
    const violations: string[] = [];
    for (const room of rooms) {
      for (const path of files(join(src, room.name)).filter((file) => file.endsWith(".ts"))) {
        if (path.endsWith(".test.ts")) continue;
        const text = readFileSync(path, "utf8");
        for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"/gms)) {
          const target = relative(src, resolve(dirname(path), match[2] ?? ""));
          const used = target.split("/")[0] ?? "";
          if (used === room.name || !byName.has(used) || room.values.has("*")) continue;
          const typeOnly = match[1] !== undefined;
          if (room.values.has(used) || (typeOnly && room.types.has(used))) continue;
          violations.push(`${relative(src, path)} imports ${typeOnly ? "types from " : ""}${used}/`);
        }
      }
    }
    expect(violations).toEqual([]);
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
