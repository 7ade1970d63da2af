/**
 * The polyphase max-pool gradient against tfjs's cpu MaxPoolGrad kernel (a direct loop
 * over windows) on 'valid' pools of odd and even sizes, strides 1 and 2, non-square
 * windows and a batch of two, with ties (small integer inputs), on cpu and wasm.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { phaseWindowGrad } from "./max_pool_phase_grad.ts";

const CASES: {
  shape: [number, number, number, number];
  filter: [number, number];
  stride: [number, number];
}[] = [
  { shape: [1, 9, 11, 3], filter: [3, 3], stride: [2, 2] },
  { shape: [1, 10, 12, 2], filter: [3, 3], stride: [2, 2] },
  { shape: [2, 6, 7, 2], filter: [3, 3], stride: [1, 1] },
  { shape: [1, 5, 6, 2], filter: [2, 2], stride: [2, 2] },
  { shape: [1, 8, 7, 2], filter: [3, 2], stride: [2, 1] },
  { shape: [1, 7, 7, 1], filter: [1, 1], stride: [3, 3] },
];

function inputs(shape: number[], seed: number) {
  // Integers 0..4: many windows hold their maximum more than once.
  const x = tf.randomUniform(shape, 0, 5, "int32", seed).toFloat() as tf.Tensor4D;
  return x;
}

Deno.test("max pool phase gradient equals tfjs's cpu kernel, on cpu and wasm", async () => {
  const want: Float32Array[] = [];
  await initBackend("cpu");
  for (const [k, c] of CASES.entries()) {
    const x = inputs(c.shape, k);
    const y = tf.maxPool(x, c.filter, c.stride, "valid");
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 100 + k) as tf.Tensor4D;
    const reference = tf.engine().runKernel(
      "MaxPoolGrad",
      { dy, input: x, output: y } as unknown as tf.NamedTensorMap,
      { filterSize: c.filter, strides: c.stride, pad: "valid" } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    want.push(reference.dataSync() as Float32Array);
    tf.dispose([x, y, dy, reference]);
  }
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    for (const [k, c] of CASES.entries()) {
      const x = inputs(c.shape, k);
      const y = tf.maxPool(x, c.filter, c.stride, "valid");
      const dy = tf.randomNormal(y.shape, 0, 1, "float32", 100 + k) as tf.Tensor4D;
      const info = tf.backend_util.computePool2DInfo(x.shape, c.filter, c.stride, 1, "valid");
      const before = tf.memory().numTensors;
      const dx = phaseWindowGrad(x, y, dy, info);
      assert.equal(tf.memory().numTensors, before + 1, `${backend} case ${k}: tensors leaked`);
      assert.deepEqual(dx.shape, x.shape);
      const got = dx.dataSync() as Float32Array;
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[k][i])), 0);
      assert.ok(worst < 1e-6, `${backend} case ${k}: differs from the cpu kernel by ${worst}`);
      tf.dispose([x, y, dy, dx]);
    }
  }
});
