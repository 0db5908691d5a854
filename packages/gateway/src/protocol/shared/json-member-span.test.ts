import { describe, expect, it } from "vitest";
import { jsonMemberSpan } from "./json-member-span.js";

const memberValue = (text: string, name: string) => {
  const span = jsonMemberSpan(Buffer.from(text), name);
  return span.kind === "found" ? Buffer.from(text).subarray(span.start, span.end).toString() : span.kind;
};

describe("jsonMemberSpan", () => {
  it("finds a top-level value of any kind, wherever the member is", () => {
    expect(memberValue('{"model":"gpt-4o-mini","stream":true}', "model")).toBe('"gpt-4o-mini"');
    expect(memberValue('{"stream":true,"model":"m"}', "stream")).toBe("true");
    expect(memberValue('{"a":[1,{"b":"}"}],"n":-1.5e3}', "n")).toBe("-1.5e3");
    expect(memberValue(' \n{ "messages" : [ {"content":"x"} ] , "model" : "m" } ', "messages")).toBe(
      '[ {"content":"x"} ]',
    );
    expect(memberValue('{"x":null}', "x")).toBe("null");
  });

  it("skips strings holding quotes, braces and the name itself", () => {
    const text = JSON.stringify({
      messages: [{ role: "user", content: 'he said "model":"evil" } ] { \\' }],
      model: "real",
    });
    expect(memberValue(text, "model")).toBe('"real"');
  });

  it("ignores a nested member of the same name", () => {
    expect(memberValue('{"tools":[{"model":"nested"}],"model":"top"}', "model")).toBe('"top"');
    expect(memberValue('{"metadata":{"model":"nested"}}', "model")).toBe("absent");
  });

  it("reports the object's opening brace, found or absent", () => {
    expect(jsonMemberSpan(Buffer.from('  {"a":1}'), "model")).toEqual({ kind: "absent", open: 2 });
    expect(jsonMemberSpan(Buffer.from("{}"), "model")).toEqual({ kind: "absent", open: 0 });
  });

  it("is unsure when parsers could disagree or the input is not an object", () => {
    expect(memberValue('{"model":"a","model":"b"}', "model")).toBe("unsure");
    expect(memberValue('{"mod\\u0065l":"a"}', "model")).toBe("unsure");
    expect(memberValue('["model"]', "model")).toBe("unsure");
    expect(memberValue('{"model":"unterminated', "model")).toBe("unsure");
    expect(memberValue('{"model" "a"}', "model")).toBe("unsure");
  });
});
