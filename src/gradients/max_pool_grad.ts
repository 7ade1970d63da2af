/**
 * The input gradient of BlazeFace's 2x2, stride-2 max pooling from elementwise ops.
 *
 * wasm's MaxPoolGrad kernel is a scalar loop that revisits every window per input pixel;
 * its three calls were over a tenth of a BlazeFace-back backward pass. With 2x2 windows
 * that tile the input exactly, each window's four pixels are four strided views of it:
 * the gradient goes to the first of them (row-major, as tfjs's kernels choose) that
 * equals the window's maximum. Ties are common after ReLU, so the order matters.
 */
import * as tf from "@tensorflow/tfjs";

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

/** dL/dx of a 2x2 stride-2 max pool (see tiledPoolApplies) from x, its output y and dy. */
export function tiledMaxPoolInputGrad(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  dy: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape;
    const rows = batch * height / 2;
    const half = width / 2;
    // [(b, i), rh, j, (rw, c)]: window (i, j), pixel (rh, rw) of the window.
    const windows = x.reshape([rows, 2, half, 2 * channels]);
    const pixel = (rh: number, rw: number) =>
      windows.slice([0, rh, 0, rw * channels], [rows, 1, half, channels]);
    const max = y.reshape([rows, 1, half, channels]);
    const upstream = dy.reshape([rows, 1, half, channels]);
    let taken = tf.zerosLike(max).cast("bool");
    const parts: tf.Tensor[] = [];
    for (const [rh, rw] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      const isMax = tf.equal(pixel(rh, rw), max);
      const first = tf.logicalAnd(isMax, tf.logicalNot(taken));
      taken = tf.logicalOr(taken, isMax);
      parts.push(tf.where(first, upstream, tf.zerosLike(upstream)));
    }
    const top = tf.concat([parts[0], parts[1]], 3);
    const bottom = tf.concat([parts[2], parts[3]], 3);
    return tf.concat([top, bottom], 1).reshape([batch, height, width, channels]) as tf.Tensor4D;
  });
}
