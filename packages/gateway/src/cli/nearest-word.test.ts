import { describe, expect, it } from "vitest";
import { editDistance, nearestWord } from "./nearest-word.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and neighbour swaps as one edit each", () => {
    expect(editDistance("keys", "keys")).toBe(0);
    expect(editDistance("", "keys")).toBe(4);
    expect(editDistance("keys", "")).toBe(4);
    expect(editDistance("key", "keys")).toBe(1);
    expect(editDistance("keyss", "keys")).toBe(1);
    expect(editDistance("kexs", "keys")).toBe(1);
    expect(editDistance("kyes", "keys")).toBe(1);
    expect(editDistance("nmae", "name")).toBe(1);
    expect(editDistance("serve", "keys")).toBe(4);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("nearestWord", () => {
  const commands = ["serve", "keys", "config", "help"];

  it("suggests the closest candidate", () => {
    expect(nearestWord("kyes", commands)).toBe("keys");
    expect(nearestWord("serv", commands)).toBe("serve");
    expect(nearestWord("confg", commands)).toBe("config");
    expect(nearestWord("--nmae", ["--name", "--org", "--project"])).toBe("--name");
    expect(nearestWord("Keys", commands)).toBe("keys");
  });

  it("prefers the nearer of two close candidates", () => {
    expect(nearestWord("lis", ["list", "hash"])).toBe("list");
    expect(nearestWord("--expire-at", ["--expires-at", "--routing-rule"])).toBe("--expires-at");
  });

  it("suggests nothing when every candidate is far", () => {
    expect(nearestWord("deploy", commands)).toBeUndefined();
    expect(nearestWord("x", ["serve"])).toBeUndefined();
    expect(nearestWord("anything", [])).toBeUndefined();
  });
});
