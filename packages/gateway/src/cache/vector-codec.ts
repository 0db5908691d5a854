/**
 * Vectors as stored in a shared list item: each component of the unit vector quantised to a
 * signed byte (×127), in base64 — a quarter of float32's size, which is what a lookup reads and
 * decodes per candidate, for a cosine error below 0.01.
 */

export function encodeVector(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length);
  for (let index = 0; index < vector.length; index++) {
    const value = Math.max(-1, Math.min(1, vector[index] ?? 0));
    bytes.writeInt8(Math.round(value * 127), index);
  }
  return bytes.toString("base64");
}

/** Null for anything that is not base64 of at least one component. */
export function decodeVector(text: string): Float32Array | null {
  if (text === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, "base64");
  if (bytes.length === 0) return null;
  const vector = new Float32Array(bytes.length);
  for (let index = 0; index < bytes.length; index++) vector[index] = bytes.readInt8(index) / 127;
  return vector;
}
