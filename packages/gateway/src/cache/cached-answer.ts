/**
 * How a cached answer is written into, and read back from, a shared list item: JSON of the
 * canonical response and who produced it. Reading checks the shape, so an item written by another
 * version (or damaged) is a miss, never a malformed answer sent to a caller.
 */
import type { GenerateResponse } from "../canonical/types.js";

export interface StoredAnswer {
  response: GenerateResponse;
  provider: string;
  model: string;
  storedAt: number;
}

const VERSION = 1;

export function encodeAnswer(answer: StoredAnswer): string {
  return JSON.stringify({ v: VERSION, ...answer });
}

export function decodeAnswer(item: string): StoredAnswer | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(item);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const value = parsed as Record<string, unknown>;
  if (value.v !== VERSION || typeof value.provider !== "string" || typeof value.model !== "string")
    return null;
  const response = value.response as GenerateResponse | undefined;
  if (
    typeof response !== "object" ||
    response === null ||
    !Array.isArray(response.choices) ||
    response.choices.length === 0 ||
    !response.choices.every((choice) => Array.isArray(choice?.content))
  ) {
    return null;
  }
  return {
    response,
    provider: value.provider,
    model: value.model,
    storedAt: typeof value.storedAt === "number" ? value.storedAt : 0,
  };
}

/** A vector entry of the semantic (or conversation) tier: the vectors and the exact key they answer. */
export interface VectorEntry {
  /** Base64 float32 vector (the whole prompt's, or the last user turn's for conversations). */
  vector: string;
  /** Per-turn vectors, for the conversation tier. */
  turns?: string[];
  /** The exact-cache key holding the answers. */
  key: string;
}

export function encodeVectorEntry(entry: VectorEntry): string {
  return JSON.stringify(entry);
}

export function decodeVectorEntry(item: string): VectorEntry | null {
  try {
    const parsed = JSON.parse(item) as Partial<VectorEntry> | null;
    if (typeof parsed?.vector !== "string" || typeof parsed.key !== "string") return null;
    if (
      parsed.turns !== undefined &&
      !(Array.isArray(parsed.turns) && parsed.turns.every((turn) => typeof turn === "string"))
    ) {
      return null;
    }
    return parsed as VectorEntry;
  } catch {
    return null;
  }
}
