/**
 * How alike two prompts are: cosine similarity of their vectors, and for the conversation tier a
 * turn-by-turn comparison in which the last user turn weighs most.
 */

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return 0;
  return dot / Math.sqrt(normA * normB);
}

/**
 * Two conversations of the same length, turn by turn: `score` the weighted mean of the turns'
 * similarities, `minimum` the least similar turn. Different lengths never match.
 */
export function conversationSimilarity(
  a: readonly Float32Array[],
  b: readonly Float32Array[],
  weights: readonly number[],
): { score: number; minimum: number } {
  if (a.length !== b.length || a.length === 0) return { score: 0, minimum: 0 };
  let total = 0;
  let weightSum = 0;
  let minimum = 1;
  for (let index = 0; index < a.length; index++) {
    const left = a[index];
    const right = b[index];
    const similarity = left && right ? cosine(left, right) : 0;
    const weight = weights[index] ?? 1;
    total += similarity * weight;
    weightSum += weight;
    minimum = Math.min(minimum, similarity);
  }
  return { score: weightSum === 0 ? 0 : total / weightSum, minimum };
}

/** The last user turn weighs 3, other user turns 1.5, system, assistant and tool turns 1. */
export function turnWeights(roles: readonly string[]): number[] {
  const last = roles.lastIndexOf("user");
  return roles.map((role, index) => (index === last ? 3 : role === "user" ? 1.5 : 1));
}
