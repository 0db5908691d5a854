import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, objectHash } from "./object-hash.js";

describe("objectHash", () => {
  it("hashes the same object the same, whatever the order of its keys", () => {
    const a = { name: "ci", limits: { rpm: 1, tpm: 2 }, tags: ["b", "a"], none: null };
    const b = { tags: ["b", "a"], none: null, limits: { tpm: 2, rpm: 1 }, name: "ci" };
    expect(objectHash(a)).toBe(objectHash(b));
    expect(canonicalJson(a)).toBe('{"limits":{"rpm":1,"tpm":2},"name":"ci","none":null,"tags":["b","a"]}');
  });

  it("is sha256 of the canonical JSON, and tells apart what differs", () => {
    expect(objectHash({ a: 1 })).toBe(createHash("sha256").update('{"a":1}').digest("hex"));
    expect(objectHash({ a: 1 })).not.toBe(objectHash({ a: 2 }));
    expect(objectHash({ a: null })).not.toBe(objectHash({}));
    expect(objectHash(["a", "b"])).not.toBe(objectHash(["b", "a"]));
    // Absent and undefined are the same field: JSON has no undefined.
    expect(objectHash({ a: 1, b: undefined })).toBe(objectHash({ a: 1 }));
  });
});
