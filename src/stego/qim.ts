/**
 * Dithered quantisation-index modulation (Chen and Wornell 2001) of one DCT coefficient: bit 0
 * moves the coefficient to the nearest point of the lattice `step * k + dither`, bit 1 to the
 * lattice shifted by half a step. The reader measures where the coefficient sits between the
 * two lattices; noise under a quarter step cannot flip the bit. A keyed dither per slot makes
 * unmarked coefficients (flat areas are all zeros) read as independent coin flips.
 */

/** A keyed pseudo-random dither in [0, 1) for `slot` (the murmur3 finaliser of slot and key). */
export function ditherFor(slot: number, key: number): number {
  let h = (Math.imul(slot, 0x9e3779b1) ^ key) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** The coefficient value nearest to `value` that carries `bit` (0 or 1). */
export function qimTarget(value: number, bit: number, step: number, dither: number): number {
  const offset = (dither + bit * 0.5) * step;
  return offset + step * Math.round((value - offset) / step);
}

/**
 * Soft reading of a coefficient in [-1, 1]: +1 on the bit-0 lattice, -1 on the bit-1 lattice,
 * falling linearly in between (0 = no information).
 */
export function qimSoft(value: number, step: number, dither: number): number {
  const phase = value / step - dither;
  const frac = phase - Math.floor(phase);
  const distance = frac < 0.5 ? frac : 1 - frac;
  return 1 - 4 * distance;
}

/**
 * Default QIM step in DCT units (strength 1): 1.5 to 2.4 times JPEG q75's steps on the slots
 * (5-8), so most re-quantisation errors stay under the quarter step that flips a reading.
 */
export const DEFAULT_QIM_STEP = 12;
/**
 * Steps the header may use, weakest first. The header never goes below the default step (it
 * must always be found) and follows stronger bodies up this short list, which the reader
 * simply tries in turn.
 */
export const HEADER_QIM_STEPS: readonly number[] = [DEFAULT_QIM_STEP, 16, 24, 32, 48];

/** The header step for a body step: the largest listed step not above max(body, default). */
export function headerStepFor(bodyStep: number): number {
  let chosen = HEADER_QIM_STEPS[0];
  for (const step of HEADER_QIM_STEPS) if (step <= bodyStep) chosen = step;
  return chosen;
}
