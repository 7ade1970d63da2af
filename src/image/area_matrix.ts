/**
 * The weights of an area-averaging downscale along one axis (OpenCV's INTER_AREA): each
 * output cell averages the input cells it covers, with fractional overlap at its edges.
 */

/**
 * Row-major weights [outSize, inSize] of an area downscale from inSize to outSize cells.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { areaMatrix } from "./area_matrix.ts";
 * // 3 cells to 2: the middle one is shared, a third of it to each side.
 * assert.deepEqual([...areaMatrix(3, 2)].map((w) => +w.toFixed(4)), [0.6667, 0.3333, 0, 0, 0.3333, 0.6667]);
 * ```
 */
export function areaMatrix(inSize: number, outSize: number): Float32Array {
  const weights = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const start = o * scale;
    const end = start + scale;
    for (let i = Math.floor(start); i < Math.min(inSize, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) weights[o * inSize + i] = overlap / scale;
    }
  }
  return weights;
}
