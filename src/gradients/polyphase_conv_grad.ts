/**
 * The input gradient of a strided convolution without the zeros.
 *
 * Spreading dy by the stride s and correlating it with the flipped filter spends s² of
 * its work on zeros (for BlazeFace's 5x5 stride-2 stem at 256 px that one convolution was
 * the largest kernel of the backward pass on wasm). Split instead by the phase of the
 * input row: row n = s·q + r receives Σₜ dy[q - t] · W[s·t + r + padTop], a stride-1
 * correlation of dy itself with a few taps per phase. All s² phases are one convolution
 * with s²·C output channels, and a reshape-transpose interleaves them. Folding padTop
 * into the taps means the result starts at row 0: no crop (wasm's Slice of a 4-D window
 * took longer than the convolution).
 */
import * as tf from "@tensorflow/tfjs";
import { derivedFromFilter } from "./filter_cache.ts";

/** How one spatial axis is split into phases. */
export interface AxisPlan {
  /** Filter size, stride, and the forward padding before the first row. */
  k: number;
  s: number;
  before: number;
  /** Largest t with a tap for some phase: dy is padded by it in front. */
  tHigh: number;
  /** Taps per phase. */
  taps: number;
  /** Zero rows after dy, and the phase rows the correlation yields (≥ ceil(in / s)). */
  padAfter: number;
  rows: number;
}

function planAxis(k: number, s: number, before: number, inSize: number, outSize: number): AxisPlan {
  // Phase r has taps t with 0 <= s·t + r + before < k.
  let tLow = Infinity;
  let tHigh = -Infinity;
  for (let r = 0; r < s; r++) {
    tLow = Math.min(tLow, Math.ceil((-r - before) / s));
    tHigh = Math.max(tHigh, Math.floor((k - 1 - r - before) / s));
  }
  const taps = tHigh - tLow + 1;
  const needed = Math.ceil(inSize / s);
  const padAfter = Math.max(0, needed - outSize - tHigh + taps - 1);
  return { k, s, before, tHigh, taps, padAfter, rows: outSize + tHigh + padAfter - taps + 1 };
}

// Filter row of correlation tap j for phase r, or -1 where the phase has no such tap.
function tapIndex(plan: AxisPlan, j: number, r: number): number {
  const index = plan.s * (plan.tHigh - j) + r + plan.before;
  return index >= 0 && index < plan.k ? index : -1;
}

/** The phase split of a conv2d's geometry, or undefined where it does not apply. */
export function polyphasePlan(
  info: tf.backend_util.Conv2DInfo,
): { rows: AxisPlan; cols: AxisPlan } | undefined {
  const s = info.strideHeight;
  if (s !== info.strideWidth || s < 2 || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    return undefined;
  }
  const rows = planAxis(info.filterHeight, s, info.padInfo.top, info.inHeight, info.outHeight);
  const cols = planAxis(info.filterWidth, s, info.padInfo.left, info.inWidth, info.outWidth);
  if (rows.tHigh < 0 || cols.tHigh < 0) return undefined;
  return { rows, cols };
}

/**
 * The phase filters of a conv2d filter [kh, kw, C, O]: [taps, taps', O, s·s·C], channel
 * (rh·s + rw)·C + c holding the tap of input phase (rh, rw), zero where it has none.
 */
export function phaseFilters(
  filter: tf.Tensor4D,
  plan: { rows: AxisPlan; cols: AxisPlan },
): tf.Tensor4D {
  const [kh, kw, inC, outC] = filter.shape;
  const { rows, cols } = plan;
  const s = rows.s;
  // One gather from the flat filter plus a trailing zero: rank-6 reshapes and reverses
  // are not safe on every backend (webgpu's stop at rank 4).
  const zero = kh * kw * inC * outC;
  const indices = new Int32Array(rows.taps * cols.taps * outC * s * s * inC);
  let n = 0;
  for (let jh = 0; jh < rows.taps; jh++) {
    for (let jw = 0; jw < cols.taps; jw++) {
      for (let o = 0; o < outC; o++) {
        for (let rh = 0; rh < s; rh++) {
          for (let rw = 0; rw < s; rw++) {
            const h = tapIndex(rows, jh, rh);
            const w = tapIndex(cols, jw, rw);
            for (let c = 0; c < inC; c++) {
              indices[n++] = h >= 0 && w >= 0 ? ((h * kw + w) * inC + c) * outC + o : zero;
            }
          }
        }
      }
    }
  }
  return tf.tidy(() => {
    const flat = tf.concat([filter.reshape([-1]), tf.zeros([1])]);
    return tf.gather(flat, tf.tensor1d(indices, "int32"))
      .reshape([rows.taps, cols.taps, outC, s * s * inC]) as tf.Tensor4D;
  });
}

/** dL/dx of a strided conv2d given dL/dy, for a geometry polyphasePlan accepts. */
export function polyphaseConv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  plan: { rows: AxisPlan; cols: AxisPlan },
): tf.Tensor4D {
  const { rows, cols } = plan;
  const s = rows.s;
  const kind = `polyphase:${s}:${rows.before}:${cols.before}`;
  const phases = derivedFromFilter(filter, kind, (f) => phaseFilters(f as tf.Tensor4D, plan));
  return tf.tidy(() => {
    const [, inH, inW, inC] = inputShape;
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [rows.tHigh, rows.padAfter],
      [cols.tHigh, cols.padAfter],
      [0, 0],
    ];
    const byPhase = tf.conv2d(dy, phases, 1, pad);
    // Interleave (DepthToSpace, but wasm's kernel is a slow scalar loop):
    // [b·q, q', rh, (rw, c)] -> [b·q, rh, q', (rw, c)] is row q·s + rh, column q'·s + rw.
    const [batch, phaseRows, phaseCols] = byPhase.shape;
    const interleaved = byPhase.reshape([batch * phaseRows, phaseCols, s, s * inC])
      .transpose([0, 2, 1, 3])
      .reshape([batch, phaseRows * s, phaseCols * s, inC]) as tf.Tensor4D;
    if (phaseRows * s === inH && phaseCols * s === inW) return interleaved;
    // Sizes that are not multiples of the stride leave extra rows or columns at the end.
    return interleaved.slice([0, 0, 0, 0], [-1, inH, inW, -1]) as tf.Tensor4D;
  });
}
