/** Box overlap, suppression and anchor layout on hand-made cases. */
import assert from "node:assert/strict";
import { iou, nonMaxSuppression } from "./nms.ts";
import { generateAnchors } from "./anchors.ts";

Deno.test("iou of identical, disjoint and half-overlapping boxes", () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
  assert.equal(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150);
});

Deno.test("non-max suppression keeps the best of overlapping boxes and all separate ones", () => {
  const kept = nonMaxSuppression([
    { box: [0, 0, 10, 10], score: 0.6 },
    { box: [1, 1, 10, 10], score: 0.9 },
    { box: [50, 50, 10, 10], score: 0.3 },
  ], 0.1);
  assert.deepEqual(kept.map((f) => f.score), [0.9, 0.3]);
});

Deno.test("BlazeFace anchors: 896 for 128 and 256 inputs, 2304 for the 192 full-range model", () => {
  const front = generateAnchors(128, { strides: [8, 16], anchorsPerCell: [2, 6] });
  assert.equal(front.length, 896);
  assert.deepEqual(front[0], [4, 4]);
  assert.deepEqual(front[1], [4, 4]);
  assert.deepEqual(front[512], [8, 8]);
  assert.equal(generateAnchors(256, { strides: [16, 32], anchorsPerCell: [2, 6] }).length, 896);
  assert.equal(generateAnchors(192, { strides: [4], anchorsPerCell: [1] }).length, 2304);
});
