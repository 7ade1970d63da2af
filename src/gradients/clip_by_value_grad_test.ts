/**
 * ClipByValue's one-pass gradient: dy where min <= x <= max (both ends included, as tfjs's
 * own gradient), else 0, on wasm (the heap loop) and cpu (tfjs's formula), by hand and
 * through tf.grad of ReLU6.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { clipByValueInputGrad } from "./clip_by_value_grad.ts";

for (const backend of ["wasm", "cpu"]) {
  Deno.test(`clip gradient (${backend}): dy inside [min, max], ends included, 0 outside`, async () => {
    await initBackend(backend);
    const x = tf.tensor([-1, -0, 0, 0.5, 6, 6.0001, 7, NaN]);
    const dy = tf.tensor([1, 2, 3, -4, 5, 6, 7, 8]);
    const dx = clipByValueInputGrad(x, dy, { clipValueMin: 0, clipValueMax: 6 });
    assert.deepEqual(Array.from(await dx.data()), [0, 2, 3, -4, 5, 0, 0, 0]);
    tf.dispose([x, dy, dx]);
  });

  Deno.test(`clip gradient (${backend}): tf.grad of ReLU6 on a feature map`, async () => {
    await initBackend(backend);
    const x = tf.tensor4d([-3, 0, 2, 6, 9, 5.5, -0.5, 6], [1, 2, 2, 2]);
    const weights = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    // d/dx sum(w * clip(x, 0, 6)) = w where 0 <= x <= 6.
    const g = tf.grad((v) => tf.clipByValue(v, 0, 6).mul(weights).sum())(x);
    assert.deepEqual(Array.from(await g.data()), [0, 2, 3, 4, 0, 6, 0, 8]);
    tf.dispose([x, weights, g]);
  });
}
