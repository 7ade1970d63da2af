/** The batch norm folded into face-api's depthwise layers computes what tf.batchNorm does. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { foldBatchNorm } from "./faceapi_ssd.ts";

Deno.test("foldBatchNorm: depthwise convolution then the folded offset equals tf.batchNorm after it", async () => {
  await initBackend("wasm");
  const channels = 8;
  const seeded = (shape: number[], low: number, high: number, seed: number) =>
    tf.randomUniform(shape, low, high, "float32", seed);
  const params = {
    filters: seeded([3, 3, channels, 1], -1, 1, 1) as tf.Tensor4D,
    batch_norm_scale: seeded([channels], 0.2, 3, 2) as tf.Tensor1D,
    batch_norm_offset: seeded([channels], -2, 2, 3) as tf.Tensor1D,
    batch_norm_mean: seeded([channels], -1, 1, 4) as tf.Tensor1D,
    batch_norm_variance: seeded([channels], 0.01, 4, 5) as tf.Tensor1D,
  };
  const x = seeded([1, 9, 11, channels], -1, 1, 6) as tf.Tensor4D;
  const folded = foldBatchNorm(params);
  for (const stride of [1, 2]) {
    const reference = tf.batchNorm(
      tf.depthwiseConv2d(x, params.filters, stride, "same"),
      params.batch_norm_mean,
      params.batch_norm_variance,
      params.batch_norm_offset,
      params.batch_norm_scale,
      0.0010000000474974513,
    );
    const ours = tf.depthwiseConv2d(x, folded.filters, stride, "same").add(folded.offset);
    const worst = tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0];
    const scale = tf.max(tf.abs(reference)).dataSync()[0];
    assert.ok(scale > 1, `a reference that tests something (${scale})`);
    assert.ok(worst < 1e-5 * scale, `stride ${stride}: off by ${worst}`);
  }
});
