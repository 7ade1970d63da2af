/**
 * The area-downscale weights against hand-worked cases, and against OpenCV's own INTER_AREA
 * resize (opencv-js) on a grey ramp: the same averages, up to OpenCV's rounding to 8 bits.
 */
import assert from "node:assert/strict";
import { areaMatrix } from "./area_matrix.ts";
import { loadOpenCv } from "../detectors/haar_cascade.ts";

Deno.test("areaMatrix: hand-worked weights; every output's weights sum to 1", () => {
  assert.deepEqual([...areaMatrix(4, 2)], [0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5]);
  assert.deepEqual([...areaMatrix(3, 3)], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const w = areaMatrix(1224, 960);
  for (let o = 0; o < 960; o++) {
    const sum = w.subarray(o * 1224, (o + 1) * 1224).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `row ${o} sums to ${sum}`);
  }
});

Deno.test("areaMatrix: OpenCV's INTER_AREA gives the same averages, to 8-bit rounding", async () => {
  const { cv } = await loadOpenCv();
  const [inW, outW] = [1224, 960];
  const src = new cv.Mat(1, inW, cv.CV_8UC1);
  const dst = new cv.Mat();
  try {
    for (let i = 0; i < inW; i++) src.data[i] = (i * 37) % 256; // a jagged ramp
    cv.resize(src, dst, new cv.Size(outW, 1), 0, 0, cv.INTER_AREA);
    const w = areaMatrix(inW, outW);
    let worst = 0;
    for (let o = 0; o < outW; o++) {
      let value = 0;
      for (let i = 0; i < inW; i++) value += w[o * inW + i] * src.data[i];
      worst = Math.max(worst, Math.abs(value - dst.data[o]));
    }
    assert.ok(worst <= 0.5 + 1e-3, `largest difference ${worst} grey levels`);
  } finally {
    src.delete();
    dst.delete();
  }
});
