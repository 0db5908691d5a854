import { describe, expect, it } from "vitest";
import { flakyFails, mockBehaviour, mockReply, sampleOf } from "./mock-answers.js";

describe("mock answers", () => {
  it("reads the behaviour from the model name", () => {
    expect(mockBehaviour("echo")).toEqual({ kind: "answer", delayMs: 0 });
    expect(mockBehaviour("slow-250")).toEqual({ kind: "answer", delayMs: 250 });
    expect(mockBehaviour("fail-429")).toEqual({ kind: "fail", status: 429 });
    expect(mockBehaviour("flaky-30")).toEqual({ kind: "flaky", percent: 30 });
    expect(mockBehaviour("fail-200")).toBeNull();
    expect(mockBehaviour("flaky-101")).toBeNull();
    expect(mockBehaviour("gpt-4o")).toBeNull();
  });

  it("fails exactly P of every 100 flaky calls, spread evenly", () => {
    for (const percent of [0, 1, 25, 50, 99, 100]) {
      const failures = Array.from({ length: 100 }, (_, n) => flakyFails(percent, n)).filter(Boolean);
      expect(failures.length).toBe(percent);
    }
    expect([0, 1, 2, 3].map((n) => flakyFails(50, n))).toEqual([false, true, false, true]);
  });

  it("calls the forced tool with a value of its schema's shape", () => {
    const reply = mockReply(
      {
        messages: [{ role: "user", content: "go" }],
        tools: [
          { type: "function", function: { name: "a" } },
          {
            type: "function",
            function: {
              name: "b",
              parameters: {
                type: "object",
                properties: { n: { type: "integer" }, tags: { type: "array" }, opt: { type: "string" } },
                required: ["n", "tags"],
              },
            },
          },
        ],
        tool_choice: { type: "function", function: { name: "b" } },
      },
      7,
    );
    expect(reply).toEqual({
      kind: "tool_call",
      id: "call_demo_7",
      name: "b",
      arguments: '{"n":1,"tags":[]}',
    });
    expect(sampleOf({ type: "object", properties: { x: { enum: ["q", "r"] } } })).toEqual({ x: "q" });
  });

  it("answers text from the last user message, or from a tool result", () => {
    expect(mockReply({ messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }, 0)).toEqual({
      kind: "text",
      text: "Floopy demo provider. You said: hi",
    });
    expect(
      mockReply({ messages: [{ role: "tool", content: "42" }], tools: [{ function: { name: "t" } }] }, 0),
    ).toEqual({ kind: "text", text: "The tool answered: 42" });
    expect(
      mockReply({ messages: [{ role: "user", content: "x" }], tools: [{}], tool_choice: "none" }, 0),
    ).toEqual({ kind: "text", text: "Floopy demo provider. You said: x" });
  });
});
