/**
 * The shared step of convolution input gradients built from forward convolutions:
 * spread the upstream gradient out by the strides (zeros between rows and columns) and
 * pad or crop it so that a stride-1 'valid' correlation with the flipped filter yields
 * exactly the input's height and width.
 */
import * as tf from "@tensorflow/tfjs";

/** Attributes of a (depthwise) convolution node, as tfjs passes them to gradients. */
export interface ConvAttrs {
  /** Strides as a number or [strideHeight, strideWidth]. */
  strides: number | [number, number];
  /** Padding mode or explicit padding. */
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  /** Dilations as a number or [dilationHeight, dilationWidth]. */
  dilations?: number | [number, number];
  /** Rounding mode for non-integer output sizes. */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Geometry of a convolution from its attributes (depthwise: filter [k, k, in, multiplier]). */
export function convInfo(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

/** A framed upstream gradient and the padding the stride-1 correlation should apply to it. */
export interface FramedGradient {
  /** dy spread by the strides (and cropped where the frame is negative). */
  x: tf.Tensor4D;
  /**
   * Zero padding for the correlation, passed to the convolution itself: XNNPACK pads
   * inside the kernel, while a separate PadV2 on a 4-D tensor is slow on wasm (it was the
   * largest cost of a batch-8 backward pass).
   */
  pad: tf.backend_util.ExplicitPadding;
}

/**
 * Spreads dy by the strides and frames it so that a stride-1 correlation with the flipped
 * filter, padded by `pad`, yields exactly [inH, inW].
 */
export function spreadAndFrame(
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
  inH: number,
  inW: number,
): FramedGradient {
  const { strideHeight: sh, strideWidth: sw } = info;
  const [batch, outH, outW, channels] = dy.shape;
  const x = tf.tidy(() => {
    if (sh === 1 && sw === 1) return dy;
    // The trailing zero rows and columns stay: the frame below pads less (or crops).
    if (tf.getBackend() !== "webgpu") {
      const expanded = dy.reshape([batch, outH, 1, outW, 1, channels]);
      const padded = expanded.pad([[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      return padded.reshape([batch, outH * sh, outW * sw, channels]) as tf.Tensor4D;
    }
    // tfjs 4.22's webgpu Pad kernel silently returns zeros above rank 4 (its shader
    // indexes at most four coordinates): spread rows, then columns, with 4-D pads.
    const rows = dy.reshape([batch, outH, 1, outW * channels])
      .pad([[0, 0], [0, 0], [0, sh - 1], [0, 0]]);
    return rows.reshape([batch * outH * sh, outW, 1, channels])
      .pad([[0, 0], [0, 0], [0, sw - 1], [0, 0]])
      .reshape([batch, outH * sh, outW * sw, channels]) as tf.Tensor4D;
  });
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  const bottom = inH + info.padInfo.top - x.shape[1];
  const right = inW + info.padInfo.left - x.shape[2];
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(top, 0), Math.max(bottom, 0)],
    [Math.max(left, 0), Math.max(right, 0)],
    [0, 0],
  ];
  const crop = [Math.max(-top, 0), Math.max(-bottom, 0), Math.max(-left, 0), Math.max(-right, 0)];
  if (crop.every((c) => c === 0)) return { x, pad };
  const cropped = tf.tidy(() =>
    x.slice([0, crop[0], crop[2], 0], [
      -1,
      x.shape[1] - crop[0] - crop[1],
      x.shape[2] - crop[2] - crop[3],
      -1,
    ]) as tf.Tensor4D
  );
  if (x !== dy) x.dispose();
  return { x: cropped, pad };
}
