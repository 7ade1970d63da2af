/**
 * Perturbation size between a clean and a protected image, in the units DESIGN.md uses for
 * *eps*: L-inf in 0..255 pixel steps, L2 over the image scaled to 0..1.
 */
import type { RgbImage } from "../image/rgb_image.ts";

/** Throws a RangeError naming both sizes unless `a` and `b` have the same size and valid data. */
export function assertSameSize(a: RgbImage, b: RgbImage, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(
      `${what}: image sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`,
    );
  }
  for (const image of [a, b]) {
    if (image.data.length !== image.width * image.height * 3) {
      throw new RangeError(
        `${what}: a ${image.width}x${image.height} image needs ${
          image.width * image.height * 3
        } bytes of RGB data, got ${image.data.length}`,
      );
    }
  }
}

/**
 * Largest absolute difference over all RGB values, in 0..255 units (0 for identical images).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linf } from "./perturbation_norms.ts";
 * const a = { width: 4, height: 4, data: new Uint8Array(48).fill(128) };
 * const b = { width: 4, height: 4, data: a.data.map((v, i) => i === 5 ? v - 7 : v + 2) };
 * assert.equal(linf(a, a), 0);
 * assert.equal(linf(a, b), 7);
 * ```
 */
export function linf(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, "linf");
  const x = a.data, y = b.data;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] > y[i] ? x[i] - y[i] : y[i] - x[i];
    if (d > max) max = d;
  }
  return max;
}

/**
 * Euclidean norm of the difference over the 0..1 image: sqrt(sum(((a - b) / 255)^2)).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { l2 } from "./perturbation_norms.ts";
 * const black = { width: 4, height: 4, data: new Uint8Array(48) };
 * const onePixel = { width: 4, height: 4, data: new Uint8Array(48) };
 * onePixel.data[0] = 255; // one value changed by the full range
 * assert.equal(l2(black, onePixel), 1);
 * assert.equal(l2(black, black), 0);
 * ```
 */
export function l2(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, "l2");
  const x = a.data, y = b.data;
  // Integer squares summed exactly (below 2^53 for any accepted image), scaled once at the end.
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sum += d * d;
  }
  return Math.sqrt(sum) / 255;
}
