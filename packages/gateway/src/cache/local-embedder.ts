/**
 * The built-in embedder of the semantic tier: no network, no model download, microseconds per
 * prompt. It is lexical: a signed feature hash of word unigrams, word bigrams and character
 * trigrams of the normalised text, with sublinear term frequency, English stop words weighted
 * down so content words dominate, L2-normalised. Rewordings that keep the words score high;
 * synonyms do not (docs/cache.md says so, and names the embedding-model alternative).
 */
import { normaliseText } from "./normalise-text.js";

export const LOCAL_EMBEDDER_DIMENSIONS = 512;

const STOP_WORDS = new Set(
  (
    "a an the is are was were be been being am do does did doing have has had having i me my we our you your " +
    "he him his she her it its they them their what which who whom this that these those of to in on at by for " +
    "with about as into from up down over under and or but if then so than too very can could would should will " +
    "shall may might must not no how when where why please tell give show"
  ).split(" "),
);

const WEIGHTS = { word: 1, stopWord: 0.15, bigram: 0.6, trigram: 0.25 } as const;

export function embedText(text: string, dimensions = LOCAL_EMBEDDER_DIMENSIONS): Float32Array {
  // Features are keyed by their hash: no feature string is built (a prompt has a few hundred).
  const features = new Map<number, number>();
  const add = (hash: number, weight: number) => features.set(hash, (features.get(hash) ?? 0) + weight);
  const words = normaliseText(text)
    .split(" ")
    .filter((word) => word !== "");
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? "";
    const stop = STOP_WORDS.has(word);
    add(fnv1a(word, WORD), stop ? WEIGHTS.stopWord : WEIGHTS.word);
    const next = words[index + 1];
    if (next !== undefined && !(stop && STOP_WORDS.has(next)))
      add(fnv1a(next, fnv1a(word, BIGRAM) ^ 0x20), WEIGHTS.bigram);
    if (stop) continue;
    const marked = `<${word}>`;
    for (let at = 0; at + 3 <= marked.length; at++) add(fnv1a(marked, TRIGRAM, at, at + 3), WEIGHTS.trigram);
  }
  const vector = new Float32Array(dimensions);
  for (const [hash, weight] of features) {
    const slot = hash % dimensions;
    // Sublinear: a word said five times is not five times the topic. The sign bit spreads
    // collisions so they cancel on average instead of adding up.
    const tf = weight <= 1 ? weight : 1 + Math.log(weight);
    vector[slot] = (vector[slot] ?? 0) + (hash >>> 31 === 1 ? -tf : tf);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < dimensions; index++) vector[index] = (vector[index] ?? 0) * scale;
  return vector;
}

const FNV_OFFSET = 0x811c9dc5;
// Distinct starting states keep a word, a bigram and a trigram with the same letters apart.
const WORD = fnv1a("w:", FNV_OFFSET);
const BIGRAM = fnv1a("b:", FNV_OFFSET);
const TRIGRAM = fnv1a("t:", FNV_OFFSET);

/** 32-bit FNV-1a over UTF-16 code units of `text[from, to)`, continuing from `hash`; unsigned. */
function fnv1a(text: string, hash: number, from = 0, to = text.length): number {
  for (let index = from; index < to; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
