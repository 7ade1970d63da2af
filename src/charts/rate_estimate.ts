/**
 * Detection rates with error bars over images. The rate is pooled, as the design notes
 * define it (reference faces found on protected images / found on clean images, the same
 * number the report's tables print); its standard error treats images as the sampled
 * units (the ratio estimator's linearised variance), so the bars say how much the rate
 * would move with another set of photos.
 */
import type { ResultRow } from "./result_rows.ts";

/** A pooled rate with its standard error over images. */
export interface RateEstimate {
  /** Pooled rate: sum of matched / sum of clean faces. */
  rate: number;
  /** Standard error over images; null with fewer than two images. */
  se: number | null;
  /** Images that had at least one clean face. */
  images: number;
}

/**
 * The pooled detection rate of `rows` and its standard error over images, or null when
 * no row had a face on the clean image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pooledRateOverImages } from "./rate_estimate.ts";
 * import type { ResultRow } from "./result_rows.ts";
 * // Image a: 2 of 4 faces found; image b: 3 of 3 (only the fields the rate reads).
 * const rows = [
 *   { image: "a", matched: 2, clean_faces: 4 },
 *   { image: "b", matched: 3, clean_faces: 3 },
 * ] as unknown as ResultRow[];
 * const estimate = pooledRateOverImages(rows)!;
 * assert.equal(estimate.rate, 5 / 7);
 * assert.equal(estimate.images, 2);
 * assert.ok(Math.abs(estimate.se! - 12 / 49) < 1e-12); // residuals -6/7 and 6/7
 * ```
 */
export function pooledRateOverImages(rows: readonly ResultRow[]): RateEstimate | null {
  const perImage = new Map<string, { matched: number; clean: number }>();
  for (const row of rows) {
    const sums = perImage.get(row.image) ?? { matched: 0, clean: 0 };
    sums.matched += row.matched;
    sums.clean += row.clean_faces;
    perImage.set(row.image, sums);
  }
  const images = [...perImage.values()].filter((s) => s.clean > 0);
  const n = images.length;
  if (n === 0) return null;
  const clean = images.reduce((sum, s) => sum + s.clean, 0);
  const rate = images.reduce((sum, s) => sum + s.matched, 0) / clean;
  if (n < 2) return { rate, se: null, images: n };
  const residuals = images.reduce((sum, s) => sum + (s.matched - rate * s.clean) ** 2, 0);
  const se = Math.sqrt(residuals / (n * (n - 1))) / (clean / n);
  return { rate, se, images: n };
}

/** Mean over images of a per-row value (each image's rows averaged first), with its s.e. */
export function meanOverImages(
  rows: readonly ResultRow[],
  value: (row: ResultRow) => number,
): { mean: number; se: number | null; images: number } | null {
  const perImage = new Map<string, number[]>();
  for (const row of rows) {
    const values = perImage.get(row.image) ?? [];
    values.push(value(row));
    perImage.set(row.image, values);
  }
  const means = [...perImage.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  const n = means.length;
  if (n === 0) return null;
  const mean = means.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, se: null, images: n };
  const variance = means.reduce((sum, m) => sum + (m - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n), images: n };
}
