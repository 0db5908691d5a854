/**
 * What the demo provider answers, as pure functions of the request: the model name says how it
 * behaves (`echo`, `fail-503`, `slow-1500`, `flaky-50`), the messages say what it answers. Kept
 * apart from the HTTP server so every answer is deterministic and testable without a socket.
 */
import { mock } from "../providers/mock.js";

export type MockBehaviour =
  | { kind: "answer"; delayMs: number }
  | { kind: "fail"; status: number }
  | { kind: "flaky"; percent: number };

/** The models the demo provider lists, as `mock/<name>`; `slow-N`, `fail-N`, `flaky-N` take any N. */
export const mockModels = mock.models;

/** The behaviour a model name asks for, or null for a model the demo provider does not serve. */
export function mockBehaviour(model: string): MockBehaviour | null {
  if (model === "echo" || model === "embed") return { kind: "answer", delayMs: 0 };
  const match = /^(slow|fail|flaky)-(\d{1,6})$/.exec(model);
  if (!match) return null;
  const value = Number(match[2]);
  if (match[1] === "slow") return { kind: "answer", delayMs: Math.min(value, 60_000) };
  if (match[1] === "fail") return value >= 400 && value <= 599 ? { kind: "fail", status: value } : null;
  return value <= 100 ? { kind: "flaky", percent: value } : null;
}

/**
 * Whether the n-th request (0-based) to a `flaky-P` model fails: exactly P of every 100 do,
 * spread evenly, so the same sequence of calls always sees the same failures.
 */
export function flakyFails(percent: number, n: number): boolean {
  return Math.floor(((n + 1) * percent) / 100) > Math.floor((n * percent) / 100);
}

interface ChatMessageLike {
  role?: unknown;
  content?: unknown;
}

interface ToolLike {
  type?: unknown;
  function?: { name?: unknown; parameters?: unknown };
}

export type MockReply =
  | { kind: "text"; text: string }
  | { kind: "tool_call"; id: string; name: string; arguments: string };

/**
 * The answer to a chat request: a tool call when tools are offered and the conversation ends with
 * the user (the forced tool, else the first), otherwise a text that shows what the provider saw.
 */
export function mockReply(body: Record<string, unknown>, callNumber: number): MockReply {
  const messages = Array.isArray(body.messages) ? (body.messages as ChatMessageLike[]) : [];
  const last = messages.at(-1);
  const tools = Array.isArray(body.tools) ? (body.tools as ToolLike[]) : [];
  const choice = body.tool_choice;
  if (tools.length > 0 && choice !== "none" && last?.role === "user") {
    const forced =
      typeof choice === "object" && choice !== null
        ? (choice as { function?: { name?: unknown } }).function?.name
        : undefined;
    const tool = tools.find((candidate) => candidate.function?.name === forced) ?? tools[0];
    const name = typeof tool?.function?.name === "string" ? tool.function.name : "tool";
    return {
      kind: "tool_call",
      id: `call_demo_${callNumber}`,
      name,
      arguments: JSON.stringify(sampleOf(tool?.function?.parameters)),
    };
  }
  if (last?.role === "tool") {
    return { kind: "text", text: `The tool answered: ${textOf(last.content)}` };
  }
  const said = textOf([...messages].reverse().find((message) => message.role === "user")?.content);
  return {
    kind: "text",
    text: said === "" ? "Hello from Floopy's demo provider." : `Floopy demo provider. You said: ${said}`,
  };
}

/** A value matching a JSON schema's shape: every required property filled with a sample. */
export function sampleOf(schema: unknown, depth = 0): unknown {
  if (typeof schema !== "object" || schema === null || depth > 8) return {};
  const node = schema as Record<string, unknown>;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  switch (node.type) {
    case "string":
      return "demo";
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default: {
      const properties = (node.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(node.required) ? (node.required as string[]) : Object.keys(properties);
      const sample: Record<string, unknown> = {};
      for (const name of required) sample[name] = sampleOf(properties[name], depth + 1);
      return sample;
    }
  }
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) =>
      typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string"
        ? (part as { text: string }).text
        : "",
    )
    .join("");
}

/** A rough token count (four characters a token), so usage looks like a real provider's. */
export function mockTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** A deterministic unit vector for a text: the same text always embeds the same. */
export function mockEmbedding(text: string, dimensions = 16): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let index = 0; index < text.length; index++) {
    const slot = (text.charCodeAt(index) * 31 + index) % dimensions;
    vector[slot] = (vector[slot] ?? 0) + 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0)) || 1;
  return vector.map((value) => Math.round((value / norm) * 1e6) / 1e6);
}
