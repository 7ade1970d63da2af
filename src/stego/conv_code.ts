/**
 * A rate-1/3, constraint-length-7 convolutional code (the LTE generators 133, 171, 165 octal)
 * with a zero tail, and its soft-decision Viterbi decoder. Repetition across the photo gives
 * each coded bit many noisy looks; the code then corrects the coded bits that stay wrong.
 */

const MEMORY = 6;
const STATES = 1 << MEMORY;
const GENERATORS = [0o133, 0o171, 0o165];
/** Coded bits per information bit. */
export const CODE_RATE_INVERSE = GENERATORS.length;

function parity(value: number): number {
  value ^= value >>> 4;
  value ^= value >>> 2;
  value ^= value >>> 1;
  return value & 1;
}

// OUTPUTS[reg * 3 + j]: coded bit j when the 7-bit register (newest bit on top) is `reg`.
const OUTPUTS: Uint8Array = (() => {
  const out = new Uint8Array((STATES << 1) * CODE_RATE_INVERSE);
  for (let reg = 0; reg < STATES << 1; reg++) {
    for (let j = 0; j < CODE_RATE_INVERSE; j++) {
      out[reg * CODE_RATE_INVERSE + j] = parity(reg & GENERATORS[j]);
    }
  }
  return out;
})();

/** Number of coded bits for `infoBits` information bits (tail included). */
export function codedLength(infoBits: number): number {
  return (infoBits + MEMORY) * CODE_RATE_INVERSE;
}

/** Encodes 0/1 bits, appending six zero tail bits so the encoder ends in state 0. */
export function convEncode(bits: Uint8Array): Uint8Array {
  const out = new Uint8Array(codedLength(bits.length));
  let state = 0;
  for (let t = 0; t < bits.length + MEMORY; t++) {
    const bit = t < bits.length ? bits[t] : 0;
    const reg = (bit << MEMORY) | state;
    for (let j = 0; j < CODE_RATE_INVERSE; j++) {
      out[t * CODE_RATE_INVERSE + j] = OUTPUTS[reg * CODE_RATE_INVERSE + j];
    }
    state = reg >>> 1;
  }
  return out;
}

/**
 * Maximum-likelihood decoding of soft values (positive = 0, negative = 1, magnitude = belief;
 * sums of repeated looks are fine) into `infoBits` bits: the codeword with the largest
 * correlation, starting and ending in state 0.
 */
export function viterbiDecode(soft: ArrayLike<number>, infoBits: number): Uint8Array {
  const steps = infoBits + MEMORY;
  if (soft.length !== codedLength(infoBits)) {
    throw new RangeError(`viterbiDecode: ${soft.length} soft values for ${infoBits} bits`);
  }
  let metric = new Float64Array(STATES).fill(-Infinity);
  let next = new Float64Array(STATES);
  metric[0] = 0;
  // decisions[t * 64 + state]: the low bit of the better predecessor (its oldest bit).
  const decisions = new Uint8Array(steps * STATES);
  const branch = new Float64Array(STATES << 1);
  for (let t = 0; t < steps; t++) {
    const s0 = soft[t * 3], s1 = soft[t * 3 + 1], s2 = soft[t * 3 + 2];
    for (let reg = 0; reg < STATES << 1; reg++) {
      const o = reg * 3;
      branch[reg] = (OUTPUTS[o] ? -s0 : s0) + (OUTPUTS[o + 1] ? -s1 : s1) +
        (OUTPUTS[o + 2] ? -s2 : s2);
    }
    for (let state = 0; state < STATES; state++) {
      // state = reg >>> 1, so reg = state << 1 | oldest, predecessor = reg & 63.
      const reg0 = state << 1, reg1 = reg0 | 1;
      const m0 = metric[reg0 & (STATES - 1)] + branch[reg0];
      const m1 = metric[reg1 & (STATES - 1)] + branch[reg1];
      if (m1 > m0) {
        next[state] = m1;
        decisions[t * STATES + state] = 1;
      } else next[state] = m0;
    }
    const swap = metric;
    metric = next;
    next = swap;
  }
  const bits = new Uint8Array(steps);
  let state = 0;
  for (let t = steps - 1; t >= 0; t--) {
    bits[t] = state >>> (MEMORY - 1);
    state = ((state << 1) | decisions[t * STATES + state]) & (STATES - 1);
  }
  return bits.slice(0, infoBits);
}
