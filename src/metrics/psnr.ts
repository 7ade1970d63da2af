/**
 * Peak signal-to-noise ratio as scikit-image's `peak_signal_noise_ratio(ref, test,
 * data_range=255)` computes it: one MSE over every RGB value of the image.
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { assertSameSize } from "./perturbation_norms.ts";

/**
 * PSNR in dB over all RGB values with data range 255; Infinity for identical images.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { psnr } from "./psnr.ts";
 * const a = { width: 4, height: 4, data: new Uint8Array(48).fill(128) };
 * const b = { width: 4, height: 4, data: new Uint8Array(48).fill(130) };
 * assert.equal(psnr(a, a), Infinity);
 * assert.ok(Math.abs(psnr(a, b) - 10 * Math.log10(255 ** 2 / 4)) < 1e-9); // MSE 4: ~42.11 dB
 * ```
 */
export function psnr(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, "psnr");
  const x = a.data, y = b.data;
  // Squared byte differences are integers, so this sum is exact (no float rounding to match).
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sum += d * d;
  }
  if (sum === 0) return Infinity;
  const mse = sum / x.length;
  return 10 * Math.log10((255 * 255) / mse);
}
