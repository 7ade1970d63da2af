/**
 * The input gradient of a 2-D convolution from fast forward kernels.
 *
 * wasm's Conv2DBackpropInput is a plain loop and took over half of a BlazeFace backward
 * pass, while its forward Conv2D uses XNNPACK. A convolution's input gradient is a
 * forward convolution of the stride-spread, framed dy with the filter flipped in space
 * and its input and output channels swapped (for BlazeFace's many 1x1 convolutions just
 * dy · Wᵀ as a 1x1 convolution, which XNNPACK runs faster than the same BatchMatMul).
 * Strided convolutions skip the spreading's zeros (polyphase_conv_grad.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { type ConvAttrs, convInfo, spreadAndFrame } from "./conv_framing.ts";
import { derivedFromFilter } from "./filter_cache.ts";
import { polyphaseConv2dInputGrad, polyphasePlan } from "./polyphase_conv_grad.ts";

/** Attributes of the convolution, as tfjs passes them to gradients. */
export type Conv2DAttrs = ConvAttrs;

/** Computes dL/dx of `conv2d(x, filter)` given dL/dy. */
export function conv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DAttrs,
): tf.Tensor4D {
  const info = convInfo(inputShape, filter.shape, attrs, false);
  const phases = polyphasePlan(info);
  if (phases) return polyphaseConv2dInputGrad(inputShape, dy, filter, phases);
  const flipped = derivedFromFilter(
    filter,
    "flipped",
    (f) => tf.reverse(f, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D,
  );
  return tf.tidy(() => {
    const [, inH, inW] = inputShape;
    const framed = spreadAndFrame(dy, info, inH, inW);
    return tf.conv2d(framed.x, flipped, 1, framed.pad, "NHWC", [
      info.dilationHeight,
      info.dilationWidth,
    ]);
  });
}
