/**
 * The input gradient of a depthwise convolution, built from forward ops only.
 *
 * The wasm backend has no `DepthwiseConv2dNativeBackpropInput` kernel. The input
 * gradient of a correlation is a correlation of the stride-dilated upstream gradient
 * with the spatially flipped filter, which every backend can run as a forward
 * depthwise convolution.
 */
import * as tf from "@tensorflow/tfjs";
import { type ConvAttrs, convInfo, spreadAndFrame } from "./conv_framing.ts";
import { derivedFromFilter } from "./filter_cache.ts";

/** Attributes of the convolution, as tfjs passes them to gradients. */
export type DepthwiseAttrs = ConvAttrs;

/** Computes dL/dx of `depthwiseConv2d(x, filter)` given dL/dy, without a backprop kernel. */
export function depthwiseConv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, attrs, true);
    const [batch, inH, inW, inC] = inputShape;
    const multiplier = filter.shape[3];
    const { dilationHeight: dh, dilationWidth: dw } = info;
    const framed = spreadAndFrame(dy, info, inH, inW);

    const flipped = derivedFromFilter(filter, "flipped-depthwise", (f) => tf.reverse(f, [0, 1]));
    if (multiplier === 1) {
      return tf.depthwiseConv2d(framed.x, flipped as tf.Tensor4D, 1, framed.pad, "NHWC", [dh, dw]);
    }
    // Channel c*m+k of dy belongs to input channel c: convolve each with its own filter
    // slice, then sum over the multiplier.
    const perChannel = flipped.reshape([filter.shape[0], filter.shape[1], inC * multiplier, 1]);
    const grads = tf.depthwiseConv2d(
      framed.x,
      perChannel as tf.Tensor4D,
      1,
      framed.pad,
      "NHWC",
      [dh, dw],
    );
    return grads.reshape([batch, inH, inW, inC, multiplier]).sum(4) as tf.Tensor4D;
  });
}
