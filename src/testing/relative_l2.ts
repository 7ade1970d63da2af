/**
 * The relative L2 distance the backend and thread comparisons use: ||other - reference|| /
 * ||reference||. Throws when the reference is all zeros, where the ratio says nothing.
 */

/** ||other - reference|| / ||reference||; throws naming `what` if the reference is zero. */
export function relativeL2(
  reference: ArrayLike<number>,
  other: ArrayLike<number>,
  what = "reference",
): number {
  if (reference.length !== other.length) {
    throw new Error(`${what}: lengths differ (${reference.length} vs ${other.length})`);
  }
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < reference.length; i++) {
    diff += (reference[i] - other[i]) ** 2;
    norm += reference[i] ** 2;
  }
  if (!(norm > 0)) throw new Error(`${what} is all zeros`);
  return Math.sqrt(diff / norm);
}
