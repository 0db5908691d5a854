/**
 * Random-hyperplane locality-sensitive hashing: the buckets the semantic tier files a vector
 * under and searches, so a lookup reads a few bounded buckets instead of every stored vector
 * (plain Redis has no vector search). Each of `bands` bands takes `bitsPerBand` signs of the
 * vector against fixed random hyperplanes; two vectors share a band's bucket when all its signs
 * agree. The hyperplanes come from a seeded generator, so every instance of a fleet computes the
 * same buckets. With the defaults (10 bands × 8 bits) vectors at cosine 0.92 share a bucket
 * about 98% of the time, at 0.95 over 99%, and unrelated ones (cosine 0.3) about 15% (theory:
 * 1 − (1 − (1 − θ/π)^8)^10; measured in lsh.test.ts); the exact cosine then decides.
 */

export interface LshOptions {
  bands?: number;
  bitsPerBand?: number;
  seed?: number;
}

const DEFAULTS = { bands: 10, bitsPerBand: 8, seed: 0x5eed } as const;

const planesCache = new Map<string, Float64Array>();

export function lshBuckets(vector: Float32Array, options: LshOptions = {}): string[] {
  const bands = options.bands ?? DEFAULTS.bands;
  const bits = options.bitsPerBand ?? DEFAULTS.bitsPerBand;
  const dimensions = vector.length;
  const planes = hyperplanes(dimensions, bands * bits, options.seed ?? DEFAULTS.seed);
  // The local embedder's vectors are sparse (a prompt sets a few dozen of 512 slots): the dot
  // products only need the slots that are set.
  const slots: number[] = [];
  const values: number[] = [];
  for (let index = 0; index < dimensions; index++) {
    const value = vector[index] ?? 0;
    if (value !== 0) {
      slots.push(index);
      values.push(value);
    }
  }
  const buckets: string[] = [];
  let plane = 0;
  for (let band = 0; band < bands; band++) {
    let signature = 0;
    for (let bit = 0; bit < bits; bit++, plane++) {
      const offset = plane * dimensions;
      let dot = 0;
      for (let at = 0; at < slots.length; at++)
        dot += (values[at] ?? 0) * (planes[offset + (slots[at] ?? 0)] ?? 0);
      signature = signature * 2 + (dot >= 0 ? 1 : 0);
    }
    buckets.push(`b${band}:${signature.toString(16)}`);
  }
  return buckets;
}

/** `count` hyperplane normals of `dimensions` gaussian coordinates each, one after the other. */
function hyperplanes(dimensions: number, count: number, seed: number): Float64Array {
  const id = `${dimensions}:${count}:${seed}`;
  const known = planesCache.get(id);
  if (known) return known;
  const random = mulberry32(seed);
  const planes = new Float64Array(dimensions * count);
  for (let index = 0; index < planes.length; index++) {
    // Box–Muller: gaussian coordinates make the normals uniform on the sphere.
    const u = Math.max(random(), Number.EPSILON);
    planes[index] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  planesCache.set(id, planes);
  return planes;
}

/** A small seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
