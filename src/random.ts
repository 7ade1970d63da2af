/**
 * A small seeded pseudo-random generator (mulberry32) for every random choice made in
 * JavaScript (EOT transform parameters, input diversity), so results are reproducible.
 * Tensor randomness uses tfjs's own seeded ops.
 */

/** A seeded source of uniform numbers in [0, 1). */
export interface Random {
  /** Next uniform number in [0, 1). */
  next(): number;
  /** Uniform number in [min, max). */
  uniform(min: number, max: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** A fresh 31-bit seed, for seeding tfjs ops from this stream. */
  seed(): number;
}

/** Creates a deterministic generator from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = (Math.floor(seed) >>> 0) || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    seed: () => Math.floor(next() * 2 ** 31),
  };
}
