/**
 * A perturbation mask limited to the faces: 1 inside each face box grown by a margin,
 * fading to 0 outside over a feathered edge, so no hard rectangle shows.
 */
import * as tf from "@tensorflow/tfjs";
import type { Face } from "../detectors/types.ts";

/**
 * Builds a [1, height, width, 1] mask from face boxes; `margin` grows each box by that share
 * of its size per side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { faceRegionMask } from "./face_mask.ts";
 * await initBackend("wasm");
 * // A 20 px face in a 100 x 100 photo, grown by 10 px per side: 1 over [10, 50), 0 far away.
 * const mask = faceRegionMask(100, 100, [{ box: [20, 20, 20, 20], score: 0.9 }]);
 * assert.deepEqual(mask.shape, [1, 100, 100, 1]);
 * const values = mask.dataSync();
 * assert.equal(values[30 * 100 + 30], 1); // the face's centre
 * assert.equal(values[90 * 100 + 90], 0); // a far corner
 * mask.dispose();
 * ```
 */
export function faceRegionMask(
  width: number,
  height: number,
  faces: Face[],
  margin = 0.5,
): tf.Tensor4D {
  const mask = new Float32Array(width * height);
  for (const { box } of faces) {
    const [x, y, w, h] = box;
    const feather = Math.max(4, 0.25 * Math.max(w, h));
    const x0 = x - margin * w;
    const y0 = y - margin * h;
    const x1 = x + w + margin * w;
    const y1 = y + h + margin * h;
    const top = Math.max(0, Math.floor(y0 - feather));
    const bottom = Math.min(height, Math.ceil(y1 + feather));
    const left = Math.max(0, Math.floor(x0 - feather));
    const right = Math.min(width, Math.ceil(x1 + feather));
    for (let row = top; row < bottom; row++) {
      const wy = ramp(row + 0.5, y0, y1, feather);
      if (wy === 0) continue;
      for (let col = left; col < right; col++) {
        const weight = wy * ramp(col + 0.5, x0, x1, feather);
        const i = row * width + col;
        if (weight > mask[i]) mask[i] = weight;
      }
    }
  }
  return tf.tensor4d(mask, [1, height, width, 1]);
}

// 1 inside [start, end], falling linearly to 0 over `feather` pixels outside it.
function ramp(v: number, start: number, end: number, feather: number): number {
  if (v >= start && v <= end) return 1;
  const distance = v < start ? start - v : v - end;
  return Math.max(0, 1 - distance / feather);
}
