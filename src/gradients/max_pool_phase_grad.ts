/**
 * The input gradient of a strided 'valid' max pool, window offset by window offset, in
 * polyphase form: without strided slices or full-size work per offset.
 *
 * The window offset (a, b) of a stride-(sh, sw) pool reads the input rows a, a + sh, ...
 * and columns b, b + sw, ...: a contiguous block of the phase plane (a mod sh, b mod sw)
 * of the input, shifted by (a div sh, b div sw) cells. So the input is split into its
 * sh x sw phase planes once (a reshape and contiguous slices), each offset's winners are
 * found and its gradient added at the output's resolution in its plane, and the planes
 * are interleaved back once. tfjs 4.22's wasm StridedSlice is a generic per-element loop:
 * FaceBoxes' first 3x3 stride-2 pool spent about 45 ms in each of its nine strided
 * slices, two thirds of the whole backward pass at 640x480.
 *
 * Each output's gradient goes to the first offset in row-major order whose input equals
 * the window's maximum, as tfjs's cpu kernel chooses.
 */
import * as tf from "@tensorflow/tfjs";

/** dL/dx of a 'valid' max pool of x (output y, upstream gradient dy) with these windows. */
export function phaseWindowGrad(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape;
    const [, outHeight, outWidth] = y.shape;
    const { filterHeight, filterWidth, strideHeight: sh, strideWidth: sw } = info;
    // Cells per phase plane: the output's plus the largest shift of an offset.
    const rows = outHeight + Math.floor((filterHeight - 1) / sh);
    const cols = outWidth + Math.floor((filterWidth - 1) / sw);
    const extent = (side: number, cells: number, stride: number) => {
      const full = cells * stride;
      return { keep: Math.min(side, full), pad: Math.max(0, full - side) };
    };
    const h = extent(height, rows, sh);
    const w = extent(width, cols, sw);
    // Rows or columns past every window are cut; missing ones never win (lowest float).
    let grid: tf.Tensor = h.keep === height && w.keep === width
      ? x
      : x.slice([0, 0, 0, 0], [batch, h.keep, w.keep, channels]);
    if (h.pad || w.pad) {
      grid = tf.pad(grid, [[0, 0], [0, h.pad], [0, w.pad], [0, 0]], -3.4028234663852886e38);
    }
    // [batch * rows, sh, cols, sw * channels]: phase (p, q) is [:, p, :, q*C .. (q+1)*C].
    const split = grid.reshape([batch * rows, sh, cols, sw * channels]);
    const plane = (p: number, q: number) =>
      split.slice([0, p, 0, q * channels], [batch * rows, 1, cols, channels])
        .reshape([batch, rows, cols, channels]);
    const planes = new Map<string, tf.Tensor>();
    const sums = new Map<string, tf.Tensor>();
    let unclaimed: tf.Tensor = tf.onesLike(y);
    for (let a = 0; a < filterHeight; a++) {
      for (let b = 0; b < filterWidth; b++) {
        const key = `${a % sh},${b % sw}`;
        if (!planes.has(key)) planes.set(key, plane(a % sh, b % sw));
        const i0 = Math.floor(a / sh);
        const j0 = Math.floor(b / sw);
        const at = planes.get(key)!.slice([0, i0, j0, 0], [batch, outHeight, outWidth, channels]);
        // x <= its window's max, so step(max - x) is 0 exactly at the maxima.
        const hit = tf.sub(1, tf.step(y.sub(at))).mul(unclaimed);
        unclaimed = unclaimed.sub(hit);
        const part = tf.pad(hit.mul(dy), [
          [0, 0],
          [i0, rows - outHeight - i0],
          [j0, cols - outWidth - j0],
          [0, 0],
        ]);
        const sum = sums.get(key);
        sums.set(key, sum ? sum.add(part) : part);
      }
    }
    // Interleave: columns within each row phase, then the row phases.
    const zeros = tf.zeros([batch, rows, cols, channels]);
    const rowPhases = Array.from(
      { length: sh },
      (_, p) =>
        tf.stack(Array.from({ length: sw }, (_, q) => sums.get(`${p},${q}`) ?? zeros), 3)
          .reshape([batch, rows, cols * sw, channels]),
    );
    const full = tf.stack(rowPhases, 2).reshape([batch, rows * sh, cols * sw, channels]);
    let dx = full.slice([0, 0, 0, 0], [batch, h.keep, w.keep, channels]);
    if (h.keep < height || w.keep < width) {
      dx = tf.pad(dx, [[0, 0], [0, height - h.keep], [0, width - w.keep], [0, 0]]);
    }
    return dx as tf.Tensor4D;
  });
}
