/**
 * The gradient of padding along the channel axis only, as a matrix product.
 *
 * BlazeFace pads channels in its residual shortcuts (24 -> 48, 48 -> 96). The gradient
 * keeps the first channels of dy, which tfjs does with a Slice; wasm's Slice of a partial
 * last axis is a slow scalar loop (20 ms per call at batch 8), while dy · S with a 0/1
 * selection matrix S runs as an XNNPACK matrix product in about a millisecond.
 */
import * as tf from "@tensorflow/tfjs";
import { constantForShape } from "./filter_cache.ts";

/** Whether `paddings` pads only the last axis. */
export function padsOnlyChannels(paddings: [number, number][]): boolean {
  return paddings.length >= 2 &&
    paddings.slice(0, -1).every(([before, after]) => before === 0 && after === 0);
}

/** dL/dx of a channel-only pad of x (channels inC, `before` channels added in front). */
export function channelPadInputGrad(dy: tf.Tensor, inC: number, before: number): tf.Tensor {
  const padded = dy.shape[dy.shape.length - 1];
  const selection = constantForShape("channel-select", [padded, inC, before], () => {
    const weights = new Float32Array(padded * inC);
    for (let c = 0; c < inC; c++) weights[(c + before) * inC + c] = 1;
    return tf.tensor2d(weights, [padded, inC]);
  });
  return tf.tidy(() =>
    tf.matMul(dy.reshape([-1, padded]), selection).reshape([...dy.shape.slice(0, -1), inC])
  );
}
