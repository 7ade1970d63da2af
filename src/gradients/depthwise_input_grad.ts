/**
 * The input gradient of a depthwise convolution, built from forward ops only.
 *
 * The wasm backend has no `DepthwiseConv2dNativeBackpropInput` kernel. The input
 * gradient of a correlation is a correlation of the stride-dilated upstream gradient
 * with the spatially flipped filter, which every backend can run as a forward
 * depthwise convolution.
 */
import * as tf from "@tensorflow/tfjs";

/** Attributes of a DepthwiseConv2dNative node, as tfjs passes them to gradients. */
export interface DepthwiseAttrs {
  /** Strides as a number or [strideHeight, strideWidth]. */
  strides: number | [number, number];
  /** Padding mode or explicit padding. */
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  /** Dilations as a number or [dilationHeight, dilationWidth]. */
  dilations?: number | [number, number];
  /** Rounding mode for non-integer output sizes. */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Computes dL/dx of `depthwiseConv2d(x, filter)` given dL/dy, without a backprop kernel. */
export function depthwiseConv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
    );
    const [batch, inH, inW, inC] = inputShape;
    const multiplier = filter.shape[3];
    const { strideHeight: sh, strideWidth: sw } = info;
    const { dilationHeight: dh, dilationWidth: dw } = info;
    const effH = info.effectiveFilterHeight;
    const effW = info.effectiveFilterWidth;
    const outH = dy.shape[1];
    const outW = dy.shape[2];

    // Spread dy out by the strides: zeros between rows and columns.
    let spread: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      const c = dy.shape[3];
      const expanded = dy.reshape([batch, outH, 1, outW, 1, c]);
      const padded = expanded.pad([[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      spread = padded.reshape([batch, outH * sh, outW * sw, c])
        .slice([0, 0, 0, 0], [batch, (outH - 1) * sh + 1, (outW - 1) * sw + 1, c]) as tf.Tensor4D;
    }
    const spreadH = spread.shape[1];
    const spreadW = spread.shape[2];
    const top = effH - 1 - info.padInfo.top;
    const left = effW - 1 - info.padInfo.left;
    const bottom = inH + info.padInfo.top - spreadH;
    const right = inW + info.padInfo.left - spreadW;
    const framed = padOrCrop(spread, top, bottom, left, right);

    const flipped = tf.reverse(filter, [0, 1]);
    if (multiplier === 1) {
      return tf.depthwiseConv2d(framed, flipped as tf.Tensor4D, 1, "valid", "NHWC", [dh, dw]);
    }
    // Channel c*m+k of dy belongs to input channel c: convolve each with its own filter
    // slice, then sum over the multiplier.
    const perChannel = flipped.reshape([filter.shape[0], filter.shape[1], inC * multiplier, 1]);
    const grads = tf.depthwiseConv2d(
      framed,
      perChannel as tf.Tensor4D,
      1,
      "valid",
      "NHWC",
      [dh, dw],
    );
    return grads.reshape([batch, inH, inW, inC, multiplier]).sum(4) as tf.Tensor4D;
  });
}

function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const padded: tf.Tensor4D = x.pad([[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [
    Math.max(left, 0),
    Math.max(right, 0),
  ], [0, 0]]) as tf.Tensor4D;
  const cropTop = Math.max(-top, 0);
  const cropLeft = Math.max(-left, 0);
  const height = padded.shape[1] - cropTop - Math.max(-bottom, 0);
  const width = padded.shape[2] - cropLeft - Math.max(-right, 0);
  if (cropTop === 0 && cropLeft === 0 && height === padded.shape[1] && width === padded.shape[2]) {
    return padded;
  }
  return padded.slice([0, cropTop, cropLeft, 0], [-1, height, width, -1]) as tf.Tensor4D;
}
