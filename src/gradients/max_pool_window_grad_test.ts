/**
 * Max pools that do not tile their input get the gradient of their definition on cpu and
 * wasm: each output's upstream gradient goes to the first (row-major) largest input of its
 * window, clipped to the image. tfjs 4.22's wasm MaxPoolGrad lost some at the bottom/right.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { maxPoolInputGrad } from "./max_pool_window_grad.ts";

/** The definition, in plain loops: where each window's first maximum sits gets its dy. */
function referenceGrad(
  x: Float32Array,
  shape: number[],
  dy: Float32Array,
  outShape: number[],
  size: number,
  stride: number,
  top: number,
  left: number,
): number[] {
  const [batch, height, width, channels] = shape;
  const [, outHeight, outWidth] = outShape;
  const dx = new Array<number>(x.length).fill(0);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++) {
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let r = i * stride - top; r < i * stride - top + size; r++) {
            for (let q = j * stride - left; q < j * stride - left + size; q++) {
              if (r < 0 || q < 0 || r >= height || q >= width) continue;
              const index = ((b * height + r) * width + q) * channels + c;
              if (x[index] > best) [best, at] = [x[index], index];
            }
          }
          dx[at] += dy[((b * outHeight + i) * outWidth + j) * channels + c];
        }
      }
    }
  }
  return dx;
}

// [input shape, window, stride, padding, pad top, pad left]: the 'same' pools face-api's
// Tiny detector runs (2x2 stride 2 of odd size, 2x2 stride 1), a 'valid' stride-1 pool
// (wasm's kernel lost one of its 20 outputs), and 3x3 ones padded at the end only or on
// both sides.
const CASES: [
  [number, number, number, number],
  number,
  number,
  "same" | "valid",
  number,
  number,
][] = [
  [[2, 7, 9, 3], 2, 2, "same", 0, 0],
  [[1, 5, 6, 4], 2, 1, "same", 0, 0],
  [[1, 5, 6, 4], 2, 1, "valid", 0, 0],
  [[1, 8, 8, 2], 3, 2, "same", 0, 0],
  [[1, 9, 7, 2], 3, 2, "valid", 0, 0],
  [[1, 6, 7, 2], 3, 1, "same", 1, 1],
];

Deno.test("max-pool gradients follow the definition on cpu and wasm, ties included", async () => {
  for (const backend of ["cpu", "wasm"]) {
    await initBackend(backend);
    for (const [shape, size, stride, pad, top, left] of CASES) {
      const label = `${backend} ${shape} ${size}x${size} stride ${stride} ${pad}`;
      // Rounded noise keeps some equal maxima in a window, so the first one must win.
      const x = tf.tidy(() =>
        tf.randomNormal(shape, 0, 1, "float32", 3).mul(2).round()
      ) as tf.Tensor4D;
      const y = tf.maxPool(x, size, stride, pad);
      const dy = tf.randomNormal(y.shape, 0, 1, "float32", 5) as tf.Tensor4D;
      const want = referenceGrad(
        await x.data() as Float32Array,
        shape,
        await dy.data() as Float32Array,
        y.shape,
        size,
        stride,
        top,
        left,
      );
      const dx = maxPoolInputGrad(x, y, dy, { filterSize: size, strides: stride, pad });
      assert.deepEqual(dx.shape, shape, label);
      const viaGrad = tf.grad((input) =>
        tf.maxPool(input as tf.Tensor4D, size, stride, pad).mul(dy).sum()
      )(x);
      for (const [name, got] of [["direct", dx], ["tf.grad", viaGrad]] as const) {
        const values = await got.data();
        const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - values[i])), 0);
        assert.ok(worst < 1e-5, `${label} ${name}: differs from the definition by ${worst}`);
      }
      tf.dispose([x, y, dy, dx, viaGrad]);
    }
  }
});
