/**
 * The separable map against plain dense products, value and gradient, in both of its
 * forms: sparse gathers for resampling matrices, dense products for wide ones.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { interpolationMatrix } from "../gradients/resize_bilinear_grad.ts";
import { seededRandom } from "../random.ts";
import { type Matrix, SeparableMap, transposed } from "./separable_map.ts";

// out[b] = R · x[b] · Cᵀ per channel, written with einsum-free plain ops.
function reference(x: tf.Tensor4D, rows: Matrix, cols: Matrix): tf.Tensor4D {
  return tf.tidy(() => {
    const R = tf.tensor2d(rows.values, rows.shape);
    const C = tf.tensor2d(cols.values, cols.shape);
    const [batch, , , channels] = x.shape;
    const images = [];
    for (let b = 0; b < batch; b++) {
      const planes = [];
      for (let c = 0; c < channels; c++) {
        const plane = x.slice([b, 0, 0, c], [1, -1, -1, 1]).squeeze([0, 3]) as tf.Tensor2D;
        planes.push(tf.matMul(tf.matMul(R, plane), C, false, true));
      }
      images.push(tf.stack(planes, 2));
    }
    return tf.stack(images) as tf.Tensor4D;
  });
}

function maxRelativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().div(b.abs().max()).dataSync()[0]);
}

const random = (shape: [number, number], seed: number): Matrix => {
  const source = seededRandom(seed);
  const values = Float32Array.from({ length: shape[0] * shape[1] }, () => source.uniform(-1, 1));
  return { values, shape };
};

for (
  const [name, rows, cols] of [
    // Resampling (at most two inputs per output): the sparse form.
    [
      "resampling",
      { values: interpolationMatrix(23, 40, false, false), shape: [40, 23] },
      { values: interpolationMatrix(31, 17, false, false), shape: [17, 31] },
    ],
    // Every input in every output: the dense form.
    ["dense", random([12, 23], 1), random([9, 31], 2)],
  ] as [string, Matrix, Matrix][]
) {
  Deno.test(`separable map (${name}) equals dense products, value and gradient`, async () => {
    await initBackend("wasm");
    const x = tf.randomUniform([2, 23, 31, 3], -5, 5, "float32", 3) as tf.Tensor4D;
    const map = new SeparableMap(rows, cols);
    const out = map.apply(x);
    const expected = reference(x, rows, cols);
    assert.deepEqual(out.shape, expected.shape);
    assert.ok(maxRelativeError(out, expected) < 1e-5, `value ${maxRelativeError(out, expected)}`);
    const weights = tf.randomUniform(expected.shape, -1, 1, "float32", 4);
    const gradient = tf.grad((v) => map.apply(v as tf.Tensor4D).mul(weights).sum())(x);
    const expectedGradient = tf.grad((v) =>
      reference(v as tf.Tensor4D, rows, cols).mul(weights).sum()
    )(x);
    assert.ok(
      maxRelativeError(gradient, expectedGradient) < 1e-5,
      `gradient ${maxRelativeError(gradient, expectedGradient)}`,
    );
    map.dispose();
    tf.dispose([x, out, expected, weights, gradient, expectedGradient]);
  });
}

Deno.test("transposed() swaps rows and columns", () => {
  const m: Matrix = { values: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };
  assert.deepEqual(transposed(m), { values: new Float32Array([1, 4, 2, 5, 3, 6]), shape: [3, 2] });
});
