/**
 * Structural similarity exactly as scikit-image 0.19's `structural_similarity(ref, test,
 * data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)` computes it
 * (Wang et al. 2004): local means, variances and covariance from an 11x11 Gaussian window,
 * K1 0.01, K2 0.03, and the mean of the SSIM map after cropping 5 pixels from every edge.
 *
 * skimage filters the whole image with scipy's `gaussian_filter` (mode "reflect") and then
 * crops `(win_size - 1) // 2 = 5` pixels. The kernel radius is also 5, so every pixel that
 * survives the crop is filtered from real pixels only: the reflected border never reaches the
 * mean. We therefore filter just the cropped region, which is exact and saves the padding.
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { assertSameSize } from "./perturbation_norms.ts";

/** Which signal SSIM compares. */
export interface SsimOptions {
  /**
   * "rgb" (default): mean of the three per-channel SSIMs (skimage `channel_axis=2`).
   * "luma": SSIM of BT.601 luma 0.299 R + 0.587 G + 0.114 B (float, 0..255 range), as the
   * reference JSON defines `ssim_luma`.
   */
  channel?: "rgb" | "luma";
}

const SIGMA = 1.5;
// skimage sets truncate 3.5 with gaussian_weights, so scipy's radius is int(3.5 * 1.5 + 0.5).
const TRUNCATE = 3.5;
/** Gaussian kernel radius in pixels (5: an 11-tap window). */
export const SSIM_RADIUS: number = Math.floor(TRUNCATE * SIGMA + 0.5);
/** Window side in pixels (11); images smaller than this on either side are rejected. */
export const SSIM_WIN_SIZE: number = 2 * SSIM_RADIUS + 1;
const DATA_RANGE = 255;
const C1 = (0.01 * DATA_RANGE) ** 2;
const C2 = (0.03 * DATA_RANGE) ** 2;

/** scipy's `_gaussian_kernel1d`: exp(-x^2 / (2 sigma^2)) for x in -r..r, normalised to sum 1. */
function gaussianKernel(): Float64Array {
  const taps = new Float64Array(SSIM_WIN_SIZE);
  let sum = 0;
  for (let i = 0; i < SSIM_WIN_SIZE; i++) {
    const x = i - SSIM_RADIUS;
    taps[i] = Math.exp((-0.5 / (SIGMA * SIGMA)) * x * x);
    sum += taps[i];
  }
  for (let i = 0; i < SSIM_WIN_SIZE; i++) taps[i] /= sum;
  return taps;
}
const KERNEL = gaussianKernel();

/** Fills `out` (length width) with row `y` of one signal of `image` as float64. */
type RowReader = (image: RgbImage, y: number, out: Float64Array) => void;

function channelReader(channel: number): RowReader {
  return (image, y, out) => {
    const data = image.data;
    let i = y * image.width * 3 + channel;
    for (let x = 0; x < out.length; x++, i += 3) out[x] = data[i];
  };
}

const lumaReader: RowReader = (image, y, out) => {
  const data = image.data;
  let i = y * image.width * 3;
  for (let x = 0; x < out.length; x++, i += 3) {
    out[x] = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  }
};

/**
 * SSIM of two images: mean over the cropped SSIM map, 1 for identical images. Throws a
 * RangeError if the sizes differ or either side is under 11 pixels (skimage refuses those too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ssim } from "./ssim.ts";
 * const ramp = Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) % 16 * 16);
 * const image = { width: 16, height: 16, data: ramp };
 * const brighter = { ...image, data: ramp.map((v) => v + 8) };
 * assert.equal(ssim(image, image), 1);
 * assert.ok(ssim(image, brighter) > 0.99 && ssim(image, brighter) < 1);
 * assert.throws(() => ssim({ width: 8, height: 8, data: new Uint8Array(192) }, image), RangeError);
 * ```
 */
export function ssim(a: RgbImage, b: RgbImage, options: SsimOptions = {}): number {
  assertSameSize(a, b, "ssim");
  const channel = options.channel ?? "rgb";
  if (channel !== "rgb" && channel !== "luma") {
    throw new RangeError(`ssim: channel must be "rgb" or "luma", got ${JSON.stringify(channel)}`);
  }
  if (a.width < SSIM_WIN_SIZE || a.height < SSIM_WIN_SIZE) {
    throw new RangeError(
      `ssim: a ${a.width}x${a.height} image is smaller than the ${SSIM_WIN_SIZE}x${SSIM_WIN_SIZE} window`,
    );
  }
  // Exactly 1 rather than 1 +- rounding, so "unchanged" is recognisable downstream.
  if (bytesEqual(a.data, b.data)) return 1;
  if (channel === "luma") return meanSsim(a, b, lumaReader);
  let sum = 0;
  for (let c = 0; c < 3; c++) sum += meanSsim(a, b, channelReader(c));
  return sum / 3;
}

function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Mean SSIM of one signal. Streams rows: each input row is filtered horizontally into a
 * ring of the last 11 rows (five maps: x, y, x^2, y^2, xy), and as soon as the ring is full
 * the vertical pass yields one cropped output row. Memory stays O(width), and the symmetric
 * kernel lets each tap pair share one multiply.
 */
function meanSsim(a: RgbImage, b: RgbImage, read: RowReader): number {
  const width = a.width, height = a.height, r = SSIM_RADIUS, taps = SSIM_WIN_SIZE;
  const outW = width - 2 * r, outH = height - 2 * r;
  const k0 = KERNEL[r], k1 = KERNEL[r + 1], k2 = KERNEL[r + 2], k3 = KERNEL[r + 3];
  const k4 = KERNEL[r + 4], k5 = KERNEL[r + 5];

  const x = new Float64Array(width), y = new Float64Array(width);
  const xx = new Float64Array(width), yy = new Float64Array(width), xy = new Float64Array(width);
  // Horizontally filtered rows; ring slot s holds input row (s mod 11) at offset s * outW.
  const hx = new Float64Array(taps * outW), hy = new Float64Array(taps * outW);
  const hxx = new Float64Array(taps * outW), hyy = new Float64Array(taps * outW);
  const hxy = new Float64Array(taps * outW);
  const rows = [hx, hy, hxx, hyy, hxy];
  const lines = [x, y, xx, yy, xy];
  const offsets = new Int32Array(taps);

  let total = 0;
  for (let row = 0; row < height; row++) {
    read(a, row, x);
    read(b, row, y);
    for (let i = 0; i < width; i++) {
      const p = x[i], q = y[i];
      xx[i] = p * p;
      yy[i] = q * q;
      xy[i] = p * q;
    }
    const base = (row % taps) * outW;
    for (let m = 0; m < 5; m++) {
      const src = lines[m], dst = rows[m];
      for (let j = 0, c = r; j < outW; j++, c++) {
        dst[base + j] = k0 * src[c] + k1 * (src[c - 1] + src[c + 1]) +
          k2 * (src[c - 2] + src[c + 2]) + k3 * (src[c - 3] + src[c + 3]) +
          k4 * (src[c - 4] + src[c + 4]) + k5 * (src[c - 5] + src[c + 5]);
      }
    }
    if (row < taps - 1) continue;
    // Output row row - r: ring offsets of input rows row - 10 .. row, top to bottom.
    for (let t = 0; t < taps; t++) offsets[t] = ((row - (taps - 1) + t) % taps) * outW;
    total += vertical(offsets, hx, hy, hxx, hyy, hxy, outW, [k0, k1, k2, k3, k4, k5]);
  }
  return total / (outW * outH);
}

/** Vertical pass for one output row, then the SSIM formula; returns the row's SSIM sum. */
function vertical(
  o: Int32Array,
  hx: Float64Array,
  hy: Float64Array,
  hxx: Float64Array,
  hyy: Float64Array,
  hxy: Float64Array,
  outW: number,
  k: number[],
): number {
  const [k0, k1, k2, k3, k4, k5] = k;
  const o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3], o4 = o[4], o5 = o[5];
  const o6 = o[6], o7 = o[7], o8 = o[8], o9 = o[9], o10 = o[10];
  let sum = 0;
  for (let j = 0; j < outW; j++) {
    const ux = k0 * hx[o5 + j] + k1 * (hx[o4 + j] + hx[o6 + j]) + k2 * (hx[o3 + j] + hx[o7 + j]) +
      k3 * (hx[o2 + j] + hx[o8 + j]) + k4 * (hx[o1 + j] + hx[o9 + j]) +
      k5 * (hx[o0 + j] + hx[o10 + j]);
    const uy = k0 * hy[o5 + j] + k1 * (hy[o4 + j] + hy[o6 + j]) + k2 * (hy[o3 + j] + hy[o7 + j]) +
      k3 * (hy[o2 + j] + hy[o8 + j]) + k4 * (hy[o1 + j] + hy[o9 + j]) +
      k5 * (hy[o0 + j] + hy[o10 + j]);
    const uxx = k0 * hxx[o5 + j] + k1 * (hxx[o4 + j] + hxx[o6 + j]) +
      k2 * (hxx[o3 + j] + hxx[o7 + j]) + k3 * (hxx[o2 + j] + hxx[o8 + j]) +
      k4 * (hxx[o1 + j] + hxx[o9 + j]) + k5 * (hxx[o0 + j] + hxx[o10 + j]);
    const uyy = k0 * hyy[o5 + j] + k1 * (hyy[o4 + j] + hyy[o6 + j]) +
      k2 * (hyy[o3 + j] + hyy[o7 + j]) + k3 * (hyy[o2 + j] + hyy[o8 + j]) +
      k4 * (hyy[o1 + j] + hyy[o9 + j]) + k5 * (hyy[o0 + j] + hyy[o10 + j]);
    const uxy = k0 * hxy[o5 + j] + k1 * (hxy[o4 + j] + hxy[o6 + j]) +
      k2 * (hxy[o3 + j] + hxy[o7 + j]) + k3 * (hxy[o2 + j] + hxy[o8 + j]) +
      k4 * (hxy[o1 + j] + hxy[o9 + j]) + k5 * (hxy[o0 + j] + hxy[o10 + j]);
    // Population (co)variances: use_sample_covariance=False makes skimage's cov_norm 1.
    const vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
    sum += ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
  }
  return sum;
}
