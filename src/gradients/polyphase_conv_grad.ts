/**
 * The input gradient of a strided convolution without the zeros.
 *
 * Spreading dy by the stride s and correlating it with the flipped filter spends s² of
 * its work on zeros (for BlazeFace's 5x5 stride-2 stem at 256 px that one convolution was
 * the largest kernel of the backward pass on wasm). Split instead by output phase: input
 * row m = s·q + r receives Σₜ dy[q - t] · W[s·t + r], a stride-1 correlation of dy itself
 * with a ceil(k/s)-tap filter per phase r. All s² phases are one convolution with s²·C
 * output channels; interleaving them (DepthToSpace) and a crop removes the padding rows.
 */
import * as tf from "@tensorflow/tfjs";
import { derivedFromFilter } from "./filter_cache.ts";

/** Whether the polyphase form applies: equal strides above 1, no dilation. */
export function polyphaseApplies(info: tf.backend_util.Conv2DInfo): boolean {
  return info.strideHeight === info.strideWidth && info.strideHeight > 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1;
}

/**
 * The phase filters of a conv2d filter [k, k', C, O] for stride s: [T, T', O, s·s·C]
 * with T = ceil(k / s), channel (rh·s + rw)·C + c holding W[s·(T-1-j) + rh, ..., c, o]
 * (zero where that tap is beyond the filter).
 */
export function phaseFilters(filter: tf.Tensor4D, stride: number): tf.Tensor4D {
  const [kh, kw, inC, outC] = filter.shape;
  const th = Math.ceil(kh / stride);
  const tw = Math.ceil(kw / stride);
  // One gather from the flat filter (plus a trailing zero for taps beyond it): rank-6
  // reshapes and reverses are not safe on every backend (webgpu's stop at rank 4).
  const zero = kh * kw * inC * outC;
  const indices = new Int32Array(th * tw * outC * stride * stride * inC);
  let n = 0;
  for (let jh = 0; jh < th; jh++) {
    for (let jw = 0; jw < tw; jw++) {
      for (let o = 0; o < outC; o++) {
        for (let rh = 0; rh < stride; rh++) {
          for (let rw = 0; rw < stride; rw++) {
            const h = stride * (th - 1 - jh) + rh;
            const w = stride * (tw - 1 - jw) + rw;
            for (let c = 0; c < inC; c++) {
              indices[n++] = h < kh && w < kw ? ((h * kw + w) * inC + c) * outC + o : zero;
            }
          }
        }
      }
    }
  }
  return tf.tidy(() => {
    const flat = tf.concat([filter.reshape([-1]), tf.zeros([1])]);
    return tf.gather(flat, tf.tensor1d(indices, "int32"))
      .reshape([th, tw, outC, stride * stride * inC]) as tf.Tensor4D;
  });
}

/** dL/dx of a strided conv2d (see polyphaseApplies) given dL/dy. */
export function polyphaseConv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const s = info.strideHeight;
  const phases = derivedFromFilter(
    filter,
    `polyphase${s}`,
    (f) => phaseFilters(f as tf.Tensor4D, s),
  );
  return tf.tidy(() => {
    const [, inH, inW, inC] = inputShape;
    const [, outH, outW] = dy.shape;
    const [th, tw] = phases.shape;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Phase rows q = 0 .. ceil((top + inH) / s) - 1 cover every input row.
    const rowsNeeded = Math.ceil((top + inH) / s);
    const colsNeeded = Math.ceil((left + inW) / s);
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [th - 1, Math.max(0, rowsNeeded - outH)],
      [tw - 1, Math.max(0, colsNeeded - outW)],
      [0, 0],
    ];
    const byPhase = tf.conv2d(dy, phases, 1, pad);
    // Interleave the phases (DepthToSpace, but wasm's kernel is a slow scalar loop):
    // [b·q, q', rh, (rw, c)] -> [b·q, rh, q', (rw, c)] is row q·s + rh, column q'·s + rw.
    const [batch, rows, cols] = byPhase.shape;
    const interleaved = byPhase.reshape([batch * rows, cols, s, s * inC])
      .transpose([0, 2, 1, 3])
      .reshape([batch, rows * s, cols * s, inC]);
    return interleaved.slice([0, top, left, 0], [-1, inH, inW, -1]) as tf.Tensor4D;
  });
}
