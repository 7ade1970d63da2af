/**
 * The input gradient of BlazeFace's 2x2, stride-2 max pooling from elementwise ops.
 *
 * wasm's MaxPoolGrad kernel is a scalar loop that revisits every window per input pixel;
 * its three calls were over a tenth of a BlazeFace-back backward pass. With 2x2 windows
 * that tile the input exactly, the gradient goes to the first pixel of each window
 * (row-major, as tfjs's kernels choose) that equals the window's maximum, found with a
 * few same-shape elementwise ops and a forward max pool (about 3x faster than the
 * native kernel at BlazeFace's sizes). Ties are common after ReLU, so the order matters.
 */
import * as tf from "@tensorflow/tfjs";
import { constantForShape } from "./filter_cache.ts";

/** Pooling attributes, as tfjs passes them to gradients. */
export interface MaxPoolAttrs {
  /** Window size. */
  filterSize: number | [number, number];
  /** Strides. */
  strides: number | [number, number];
  /** Padding mode or amount. */
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  /** Rounding mode for non-integer output sizes. */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Whether the tiled 2x2 form applies: 2x2 windows, stride 2, even sizes, no padding. */
export function tiledPoolApplies(shape: number[], attrs: MaxPoolAttrs): boolean {
  const info = tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 &&
    info.strideWidth === 2 && info.padInfo.top === 0 && info.padInfo.left === 0 &&
    info.inHeight === 2 * info.outHeight && info.inWidth === 2 * info.outWidth;
}

// 4, 3, 2, 1 over each 2x2 window in row-major order, every channel.
function windowPriorities(shape: [number, number, number, number]): tf.Tensor4D {
  return constantForShape("maxpool-priority", shape, () => {
    const [batch, height, width, channels] = shape;
    const window = tf.tensor4d([4, 3, 2, 1], [1, 2, 2, 1]);
    return tf.tile(window, [batch, height / 2, width / 2, channels]) as tf.Tensor4D;
  });
}

/** dL/dx of a 2x2 stride-2 max pool (see tiledPoolApplies) from x, its output y and dy. */
export function tiledMaxPoolInputGrad(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  dy: tf.Tensor4D,
): tf.Tensor4D {
  const priority = windowPriorities(x.shape);
  return tf.tidy(() => {
    const [, height, width] = x.shape;
    // Same-shape elementwise ops only: wasm's broadcasting, partial slices and Select
    // are each slower than the native kernel this replaces.
    const up = (t: tf.Tensor4D) => tf.image.resizeNearestNeighbor(t, [height, width]);
    // x <= its window's max, so step(max - x) is 0 exactly at the maxima.
    const isMax = tf.sub(1, tf.step(up(y).sub(x)));
    // The first maximum scores highest in its window; a forward max pool finds it.
    const score = isMax.mul(priority) as tf.Tensor4D;
    const best = up(tf.maxPool(score, 2, 2, "valid"));
    const first = tf.sub(1, tf.step(best.sub(score)));
    return first.mul(up(dy)) as tf.Tensor4D;
  });
}
