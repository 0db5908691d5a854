/**
 * Deterministic embedding vectors: the same input always gives the same unit-length vector, and
 * different inputs give different ones. Values are float32-exact, so a float answer and a base64
 * answer decode to identical numbers.
 */
import { createHash } from "node:crypto";

/** A unit-length vector of `dimensions` float32 values derived from SHA-256 of `input`. */
export function deterministicVector(input: string, dimensions: number): Float32Array {
  const values = new Float64Array(dimensions);
  let block = 0;
  let filled = 0;
  while (filled < dimensions) {
    const digest = createHash("sha256").update(input).update(`#${block}`).digest();
    block += 1;
    for (let offset = 0; offset + 4 <= digest.length && filled < dimensions; offset += 4) {
      values[filled] = (digest.readUInt32LE(offset) / 0x1_0000_0000) * 2 - 1;
      filled += 1;
    }
  }
  let norm = 0;
  for (const value of values) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = (values[index] ?? 0) / norm;
  return vector;
}

/** Little-endian float32 bytes in base64: what OpenAI sends for `encoding_format: "base64"`. */
export function vectorToBase64(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index] ?? 0, index * 4);
  return bytes.toString("base64");
}
