/**
 * The input gradient of any max pool, from slices and elementwise ops, correct on every
 * backend.
 *
 * tfjs 4.22's wasm MaxPoolGrad loses gradient at the bottom and right edges: a 2x2 pool of
 * 5x6 at stride 1 ('valid') routed 19 of its 20 outputs, and 'same' pools of odd size lost
 * every window that runs past the edge. face-api's Tiny detector pools 303 -> 152 and
 * 19 -> 19 that way; its input gradient came out twice the finite difference.
 *
 * A padded pool is the 'valid' pool of its input padded with the lowest float, which
 * never wins a window that holds a real value. 2x2 stride-2 pools that then tile the
 * input take max_pool_grad.ts's path; any other goes over the window's offsets in
 * row-major order (max_pool_phase_grad.ts), giving each output's gradient to the first
 * input equal to its maximum (tfjs's cpu kernel breaks ties the same way).
 */
import * as tf from "@tensorflow/tfjs";
import { type MaxPoolAttrs, tiledMaxPoolInputGrad, tiledPoolApplies } from "./max_pool_grad.ts";
import { phaseWindowGrad } from "./max_pool_phase_grad.ts";

// The lowest float32: finite, so differences with it stay numbers, and below any feature.
const LOWEST = -3.4028234663852886e38;

/** dL/dx of `maxPool(x)` with these attributes, from x, the pool's output y and dy. */
export function maxPoolInputGrad(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: MaxPoolAttrs,
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(
    x.shape,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const unpadded = top === 0 && bottom === 0 && left === 0 && right === 0;
  if (unpadded && tiledPoolApplies(x.shape, attrs)) return tiledMaxPoolInputGrad(x, y, dy);
  return tf.tidy(() => {
    const padded = unpadded ? x : tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]], LOWEST);
    const valid = { filterSize: attrs.filterSize, strides: attrs.strides, pad: "valid" as const };
    const dx = tiledPoolApplies(padded.shape, valid)
      ? tiledMaxPoolInputGrad(padded, y, dy)
      : phaseWindowGrad(padded, y, dy, info);
    return unpadded ? dx : dx.slice([0, top, left, 0], x.shape);
  });
}
