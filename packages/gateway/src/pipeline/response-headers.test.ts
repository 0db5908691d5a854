import { validateHeaderValue } from "node:http";
import { describe, expect, it } from "vitest";
import { headerSafe } from "./response-headers.js";

describe("headerSafe", () => {
  it("leaves printable ASCII alone", () => {
    expect(headerSafe("gpt-4o-mini")).toBe("gpt-4o-mini");
    expect(headerSafe("openrouter/meta-llama/llama-3.1-8b:free")).toBe(
      "openrouter/meta-llama/llama-3.1-8b:free",
    );
  });

  it("percent-encodes what could split a header or make Node throw", () => {
    expect(headerSafe("gpt\r\nX-Injected: yes")).toBe("gpt%0D%0AX-Injected: yes");
    expect(headerSafe("a\u0000b\tc")).toBe("a%00b%09c");
    expect(headerSafe("日本")).toBe("%E6%97%A5%E6%9C%AC");
    expect(headerSafe("é")).toBe("%C3%A9");
    expect(headerSafe("a\ud800b")).toBe("a%EF%BF%BDb");
  });

  it("gives values Node writes without throwing", () => {
    for (const value of ["x\r\ny", "\u0000", "日本", "\ud800", "\u007f"]) {
      expect(() => validateHeaderValue("floopy-model", headerSafe(value))).not.toThrow();
    }
  });
});
