/**
 * Greedy non-maximum suppression over boxes with scores.
 */
import type { Face } from "./types.ts";

/**
 * Intersection over union of two [x, y, w, h] boxes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { iou } from "./nms.ts";
 * assert.equal(iou([0, 0, 10, 10], [5, 0, 10, 10]), 1 / 3); // overlap 50 of 150
 * assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
 * ```
 */
export function iou(a: Face["box"], b: Face["box"]): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps the best-scoring faces, dropping any that overlap a kept one by more than `iouThreshold`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonMaxSuppression } from "./nms.ts";
 * import type { Face } from "./types.ts";
 * const faces: Face[] = [
 *   { box: [0, 0, 10, 10], score: 0.6 },
 *   { box: [1, 1, 10, 10], score: 0.9 }, // the same face, more confident
 *   { box: [50, 50, 10, 10], score: 0.7 },
 * ];
 * assert.deepEqual(nonMaxSuppression(faces, 0.3).map((f) => f.score), [0.9, 0.7]);
 * ```
 */
export function nonMaxSuppression(faces: Face[], iouThreshold: number, maxFaces = 100): Face[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score);
  const kept: Face[] = [];
  for (const face of sorted) {
    if (kept.length >= maxFaces) break;
    if (kept.every((k) => iou(k.box, face.box) <= iouThreshold)) kept.push(face);
  }
  return kept;
}
