/**
 * A keyed pseudo-random permutation of 0 .. size - 1 computed on the fly in both directions:
 * a six-round Feistel network on the smallest even number of bits that covers `size`, with
 * cycle walking to stay inside the range (Black and Rogaway 2002). It needs no table, so a
 * 50-megapixel photo (six million slots) costs nothing to set up, and a reader visits only the
 * slots it needs.
 */
import { seededRandom } from "../random.ts";

const ROUNDS = 6;
/** Largest size supported (the Feistel halves must fit 15 bits each). */
export const MAX_PERMUTATION_SIZE = 2 ** 30;

/** A bijection of 0 .. size - 1 seeded by a 32-bit key. */
export class KeyedPermutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly roundKeys: Uint32Array;

  /** Creates the permutation of `size` elements for `key`. */
  constructor(readonly size: number, key: number) {
    if (!(Number.isInteger(size) && size >= 0 && size <= MAX_PERMUTATION_SIZE)) {
      throw new RangeError(`KeyedPermutation: size ${size} is outside 0..${MAX_PERMUTATION_SIZE}`);
    }
    let bits = 2;
    while (2 ** bits < size) bits += 2;
    this.half = bits / 2;
    this.mask = (1 << this.half) - 1;
    const random = seededRandom(key);
    this.roundKeys = Uint32Array.from(
      { length: ROUNDS },
      () => Math.floor(random.next() * 2 ** 32),
    );
  }

  /** Where `index` goes. */
  forward(index: number): number {
    let value = this.encrypt(index);
    while (value >= this.size) value = this.encrypt(value);
    return value;
  }

  /** Which index goes to `value` (the inverse of forward). */
  backward(value: number): number {
    let index = this.decrypt(value);
    while (index >= this.size) index = this.decrypt(index);
    return index;
  }

  private round(half: number, round: number): number {
    let h = Math.imul(half ^ this.roundKeys[round], 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h & this.mask;
  }

  private encrypt(value: number): number {
    let left = value >>> this.half, right = value & this.mask;
    for (let r = 0; r < ROUNDS; r++) {
      const next = left ^ this.round(right, r);
      left = right;
      right = next;
    }
    return (left << this.half) | right;
  }

  private decrypt(value: number): number {
    let left = value >>> this.half, right = value & this.mask;
    for (let r = ROUNDS - 1; r >= 0; r--) {
      const previous = right ^ this.round(left, r);
      right = left;
      left = previous;
    }
    return (left << this.half) | right;
  }
}
