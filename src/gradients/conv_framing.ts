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

/** Spreads dy by the strides and frames it for a valid correlation producing [inH, inW]. */
export function spreadAndFrame(
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
  inH: number,
  inW: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const { strideHeight: sh, strideWidth: sw } = info;
    const [batch, outH, outW, channels] = dy.shape;
    let spread: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      const expanded = dy.reshape([batch, outH, 1, outW, 1, channels]);
      const padded = expanded.pad([[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      // The trailing zero rows and columns are left in place: framing below pads less
      // (or crops) to account for them, which saves a full-size slice.
      spread = padded.reshape([batch, outH * sh, outW * sw, channels]);
    }
    const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
    const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
    const bottom = inH + info.padInfo.top - spread.shape[1];
    const right = inW + info.padInfo.left - spread.shape[2];
    return padOrCrop(spread, top, bottom, left, right);
  });
}

function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const pads: [number, number][] = [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [
    Math.max(left, 0),
    Math.max(right, 0),
  ], [0, 0]];
  const padded: tf.Tensor4D = pads.some(([a, b]) => a > 0 || b > 0) ? x.pad(pads) : x;
  const cropTop = Math.max(-top, 0);
  const cropLeft = Math.max(-left, 0);
  const height = padded.shape[1] - cropTop - Math.max(-bottom, 0);
  const width = padded.shape[2] - cropLeft - Math.max(-right, 0);
  if (cropTop === 0 && cropLeft === 0 && height === padded.shape[1] && width === padded.shape[2]) {
    return padded;
  }
  return padded.slice([0, cropTop, cropLeft, 0], [-1, height, width, -1]);
}
