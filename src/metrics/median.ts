/**
 * The median of a list of measurements, shared by the evaluation summaries, the benchmark
 * and the protection's face-size rule so that all three agree on what "median" means.
 */

/**
 * Median of the finite numbers in `values` (the mean of the middle two for an even count);
 * NaN when none is finite. The input is not reordered.
 *
 * @example
 * ```ts
 * import { median } from "./median.ts";
 * median([3, 1, Number.NaN, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
