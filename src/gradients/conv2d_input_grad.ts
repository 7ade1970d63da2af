/**
 * The input gradient of a 2-D convolution from fast forward kernels.
 *
 * wasm's Conv2DBackpropInput is a plain loop and took over half of a BlazeFace backward
 * pass, while its forward Conv2D uses XNNPACK. A convolution's input gradient is a
 * forward convolution of the stride-spread, framed dy with the filter flipped in space
 * and its input and output channels swapped (for BlazeFace's many 1x1 convolutions just
 * dy · Wᵀ as a 1x1 convolution, which XNNPACK runs faster than the same BatchMatMul).
 */
import * as tf from "@tensorflow/tfjs";
import { spreadAndFrame } from "./conv_framing.ts";

/** Attributes of a Conv2D node, as tfjs passes them to gradients. */
export interface Conv2DAttrs {
  /** Strides as a number or [strideHeight, strideWidth]. */
  strides: number | [number, number];
  /** Padding mode or explicit padding. */
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  /** Dilations as a number or [dilationHeight, dilationWidth]. */
  dilations?: number | [number, number];
  /** Rounding mode for non-integer output sizes. */
  dimRoundingMode?: "floor" | "round" | "ceil";
  /** Only NHWC is supported. */
  dataFormat?: string;
}

/** Computes dL/dx of `conv2d(x, filter)` given dL/dy. */
export function conv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const [, inH, inW] = inputShape;
    const framed = spreadAndFrame(dy, info, inH, inW);
    const flipped = tf.reverse(filter, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(framed, flipped, 1, "valid", "NHWC", [
      info.dilationHeight,
      info.dilationWidth,
    ]);
  });
}
