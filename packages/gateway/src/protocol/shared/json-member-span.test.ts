import { describe, expect, it } from "vitest";
import { jsonMemberSpan } from "./json-member-span.js";

const valueOf = (text: string, name: string) => {
  const span = jsonMemberSpan(Buffer.from(text), name);
  return span.kind === "found" ? Buffer.from(text).subarray(span.start, span.end).toString() : span.kind;
};

describe("jsonMemberSpan", () => {
  it("finds a top-level value of any kind, wherever the member is", () => {
    expect(valueOf('{"model":"gpt-4o-mini","stream":true}', "model")).toBe('"gpt-4o-mini"');
    expect(valueOf('{"stream":true,"model":"m"}', "stream")).toBe("true");
    expect(valueOf('{"a":[1,{"b":"}"}],"n":-1.5e3}', "n")).toBe("-1.5e3");
    expect(valueOf(' \n{ "messages" : [ {"content":"x"} ] , "model" : "m" } ', "messages")).toBe(
      '[ {"content":"x"} ]',
    );
    expect(valueOf('{"x":null}', "x")).toBe("null");
  });

  it("skips strings holding quotes, braces and the name itself", () => {
    const text = JSON.stringify({
      messages: [{ role: "user", content: 'he said "model":"evil" } ] { \\' }],
      model: "real",
    });
    expect(valueOf(text, "model")).toBe('"real"');
  });

  it("ignores a nested member of the same name", () => {
    expect(valueOf('{"tools":[{"model":"nested"}],"model":"top"}', "model")).toBe('"top"');
    expect(valueOf('{"metadata":{"model":"nested"}}', "model")).toBe("absent");
  });

  it("reports the object's opening brace, found or absent", () => {
    expect(jsonMemberSpan(Buffer.from('  {"a":1}'), "model")).toEqual({ kind: "absent", open: 2 });
    expect(jsonMemberSpan(Buffer.from("{}"), "model")).toEqual({ kind: "absent", open: 0 });
  });

  it("is unsure when parsers could disagree or the input is not an object", () => {
    expect(valueOf('{"model":"a","model":"b"}', "model")).toBe("unsure");
    expect(valueOf('{"mod\\u0065l":"a"}', "model")).toBe("unsure");
    expect(valueOf('["model"]', "model")).toBe("unsure");
    expect(valueOf('{"model":"unterminated', "model")).toBe("unsure");
    expect(valueOf('{"model" "a"}', "model")).toBe("unsure");
  });
});
