/** EOT transforms keep the photo's size, do what their names say, and are reproducible. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { DEFAULT_EOT, rescaleImages, sampleTransform, shiftImages, validateEot } from "./eot.ts";
import { seededRandom } from "../random.ts";

Deno.test("shift moves content by whole pixels and replicates edges", async () => {
  await initBackend("wasm");
  const x = tf.range(0, 5 * 7).reshape([1, 5, 7, 1]).tile([1, 1, 1, 3]).toFloat() as tf.Tensor4D;
  const shifted = shiftImages(x, 2, 1);
  assert.deepEqual(shifted.shape, x.shape);
  // Output (row 3, col 4) shows input (row 2, col 2).
  assert.equal(shifted.slice([0, 3, 4, 0], [1, 1, 1, 1]).dataSync()[0], 2 * 7 + 2);
});

Deno.test("rescaling keeps size and only blurs; sampled transforms are reproducible", async () => {
  await initBackend("wasm");
  const x = tf.randomUniform([1, 40, 60, 3], 0, 255, "float32", 2) as tf.Tensor4D;
  for (const method of ["bilinear", "area", "nearest"] as const) {
    const y = rescaleImages(x, 0.5, method);
    assert.deepEqual(y.shape, x.shape);
    assert.ok(Math.abs(y.mean().dataSync()[0] - x.mean().dataSync()[0]) < 5, method);
  }
  const a = sampleTransform(seededRandom(5), DEFAULT_EOT);
  const b = sampleTransform(seededRandom(5), DEFAULT_EOT);
  assert.equal(a.name, b.name);
  const ya = a.apply(x);
  assert.deepEqual(ya.shape, x.shape);
  assert.equal(tf.sub(ya, b.apply(x)).abs().max().dataSync()[0], 0);
  assert.throws(() => validateEot({ ...DEFAULT_EOT, jpegQuality: [90, 60] }), /jpegQuality/);
  assert.throws(() => validateEot({ ...DEFAULT_EOT, samples: 0 }), /samples/);
});
