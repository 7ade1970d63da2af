/**
 * CIEDE2000 colour difference between two photos as scikit-image 0.19 computes
 * `deltaE_ciede2000(rgb2lab(a), rgb2lab(b))`: the per-pixel perceptual distance in CIE Lab
 * (Sharma, Wu and Dalal 2005, kL = kC = kH = 1), summarised as its mean and 99th percentile.
 * PSNR and SSIM say how much the pixels changed; this says how visible the change is in
 * colour, where a value near 1 is about one just-noticeable difference.
 *
 * skimage's `rgb2lab` (reproduced here to float rounding):
 * - 8-bit values scale by v * (1 / 255), then the sRGB curve: v / 12.92 up to 0.04045,
 *   ((v + 0.055) / 1.055) ** 2.4 above; a 256-entry table holds the result.
 * - XYZ from its own `xyz_from_rgb` matrix (0.412453, 0.357580, ...), not the IEC 61966-2-1
 *   one, divided by the D65 2-degree white (0.95047, 1, 1.08883). The matrix rows and the
 *   white disagree in the fifth digit, so sRGB white is Lab (100, -0.0025, 0.0047), not
 *   exactly neutral.
 * - Lab with the rounded CIE constants: cbrt(t) above 0.008856, else 7.787 t + 16 / 116.
 *
 * The CIEDE2000 arithmetic follows skimage's operation order. One place cannot match bit for
 * bit: hues exactly 180 degrees apart, where the formula jumps and the side of pi that the
 * float hue difference lands on picks the mean hue. Sharma's row 10 is such a pair: glibc's
 * atan2 (numpy) puts it 1 ulp past -pi, so skimage gives 7.2195, while V8's atan2 (1 ulp
 * different) gives exactly -pi, as exact arithmetic does, and so the published 7.1792.
 * Photos essentially never hit that edge; elsewhere the two agree to about 1e-12.
 *
 * Speed (about a second for a 1920x1280 pair, skimage ~2.8 s): the sRGB table, a table-seeded
 * cube root, x^7 by multiplication and T from one cos/sin pair by multiple-angle formulas.
 * Each is a few ulp from the library call it replaces, far inside the 1e-4 the tests ask.
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { assertSameSize } from "./perturbation_norms.ts";

/** A CIE Lab colour: L (0..100), a, b. */
export type Lab = readonly [number, number, number];

/** Summary of the per-pixel CIEDE2000 map of two images. */
export interface ColorDifference {
  /** Mean CIEDE2000 over all pixels. */
  mean: number;
  /**
   * 99th percentile of the per-pixel values as numpy's default `np.percentile(map, 99)`:
   * sort the n values, take index i = 0.99 (n - 1), interpolate linearly between the values
   * at floor(i) and floor(i) + 1.
   */
  p99: number;
}

const TWO_PI = 2 * Math.PI;
const POW25_7 = 25 ** 7;
// numpy's deg2rad(x) is x * (pi / 180); rad2deg(x) is x * (180 / pi).
const DEG_TO_RAD = Math.PI / 180;
const RAD_TO_DEG = 180 / Math.PI;
const DEG30 = 30 * DEG_TO_RAD;
const COS30 = Math.cos(DEG30), SIN30 = Math.sin(DEG30);
const COS6 = Math.cos(6 * DEG_TO_RAD), SIN6 = Math.sin(6 * DEG_TO_RAD);
const COS63 = Math.cos(63 * DEG_TO_RAD), SIN63 = Math.sin(63 * DEG_TO_RAD);

// skimage.color.colorconv.xyz_from_rgb and the D65 / 2-degree reference white.
const M00 = 0.412453, M01 = 0.357580, M02 = 0.180423;
const M10 = 0.212671, M11 = 0.715160, M12 = 0.072169;
const M20 = 0.019334, M21 = 0.119193, M22 = 0.950227;
const WHITE_X = 0.95047, WHITE_Y = 1, WHITE_Z = 1.08883;
const LAB_EPSILON = 0.008856;
const LAB_KAPPA = 7.787;
const LAB_OFFSET = 16 / 116;

/** Linear-light value of each 8-bit sRGB level, as skimage's `rgb2xyz` computes it. */
const SRGB_TO_LINEAR: Float64Array = (() => {
  const table = new Float64Array(256);
  const scale = 1 / 255; // skimage's img_as_float multiplies by 1 / 255
  for (let v = 0; v < 256; v++) {
    const c = v * scale;
    table[v] = c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
  }
  return table;
})();

// Cube roots of 0..1 on a 1024-step grid (two spare entries: Y of white rounds to 1 or a hair
// over). Photos need 6 cube roots per pixel pair and V8's Math.cbrt is the slowest part.
const CBRT_STEPS = 1024;
const CBRT_TABLE: Float64Array = (() => {
  const table = new Float64Array(CBRT_STEPS + 2);
  for (let i = 0; i < table.length; i++) table[i] = Math.cbrt(i / CBRT_STEPS);
  return table;
})();

/**
 * Cube root of t in (0.008856, 1.001]: table interpolation (relative error under 4e-4 at the
 * low end), then two Halley steps, which cube the error each time. Within 2 ulp of
 * Math.cbrt and four times faster.
 */
function cbrtUnit(t: number): number {
  const x = t * CBRT_STEPS;
  const i = x | 0;
  const lo = CBRT_TABLE[i];
  let y = lo + (CBRT_TABLE[i + 1] - lo) * (x - i);
  let y3 = y * y * y;
  y = y * (y3 + 2 * t) / (2 * y3 + t);
  y3 = y * y * y;
  return y * (y3 + 2 * t) / (2 * y3 + t);
}

/** The CIE Lab companding function with skimage's rounded constants. */
function labF(t: number): number {
  return t > LAB_EPSILON ? cbrtUnit(t) : LAB_KAPPA * t + LAB_OFFSET;
}

/** skimage's `rgb2lab` of one 8-bit sRGB colour (D65, 2-degree observer). */
export function srgbToLab(r: number, g: number, b: number): Lab {
  const lr = SRGB_TO_LINEAR[r], lg = SRGB_TO_LINEAR[g], lb = SRGB_TO_LINEAR[b];
  const fx = labF((lr * M00 + lg * M01 + lb * M02) / WHITE_X);
  const fy = labF((lr * M10 + lg * M11 + lb * M12) / WHITE_Y);
  const fz = labF((lr * M20 + lg * M21 + lb * M22) / WHITE_Z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** x ** 7 by multiplication (skimage calls pow; they differ by an ulp or two, 3x faster). */
function pow7(x: number): number {
  const x2 = x * x;
  return x2 * x2 * x2 * x;
}

/** CIEDE2000 of two Lab colours on plain numbers (the hot loop calls this directly). */
function deltaE00(
  L1: number,
  a1: number,
  b1: number,
  L2: number,
  a2: number,
  b2: number,
): number {
  // Stretch a by the mean chroma, then work in the primed polar coordinates.
  const cAb = 0.5 * (Math.sqrt(a1 * a1 + b1 * b1) + Math.sqrt(a2 * a2 + b2 * b2));
  const cAb7 = pow7(cAb);
  const scale = 1 + 0.5 * (1 - Math.sqrt(cAb7 / (cAb7 + POW25_7)));
  const ap1 = a1 * scale, ap2 = a2 * scale;
  const C1 = Math.sqrt(ap1 * ap1 + b1 * b1), C2 = Math.sqrt(ap2 * ap2 + b2 * b2);
  let h1 = Math.atan2(b1, ap1);
  if (h1 < 0) h1 += TWO_PI;
  let h2 = Math.atan2(b2, ap2);
  if (h2 < 0) h2 += TWO_PI;

  // Lightness.
  const lBarOff = 0.5 * (L1 + L2) - 50;
  const lTmp = lBarOff * lBarOff;
  const SL = 1 + 0.015 * lTmp / Math.sqrt(20 + lTmp);
  const lTerm = (L2 - L1) / SL;

  // Chroma.
  const cBar = 0.5 * (C1 + C2);
  const cTerm = (C2 - C1) / (1 + 0.045 * cBar);

  // Hue: difference wrapped into [-pi, pi] and the mean hue, both 0-safe for grey colours.
  const hDiff = h2 - h1;
  const hSum = h1 + h2;
  const CC = C1 * C2;
  let dH = hDiff;
  if (hDiff > Math.PI) dH -= TWO_PI;
  else if (hDiff < -Math.PI) dH += TWO_PI;
  if (CC === 0) dH = 0;
  const dHTerm = 2 * Math.sqrt(CC) * Math.sin(dH / 2);
  let hBar = hSum; // skimage doubles then halves it when a chroma is 0: the plain sum
  if (CC !== 0) {
    if (Math.abs(hDiff) > Math.PI) hBar += hSum < TWO_PI ? TWO_PI : -TWO_PI;
    hBar *= 0.5;
  }
  // T = 1 - 0.17 cos(h - 30) + 0.24 cos(2h) + 0.32 cos(3h + 6) - 0.20 cos(4h - 63) degrees,
  // from one cos and sin by the multiple-angle formulas (a few ulp from four cos calls).
  const c1 = Math.cos(hBar), s1 = Math.sin(hBar);
  const c2 = 2 * c1 * c1 - 1, s2 = 2 * s1 * c1;
  const c3 = c1 * (4 * c1 * c1 - 3), s3 = s1 * (3 - 4 * s1 * s1);
  const c4 = 2 * c2 * c2 - 1, s4 = 2 * s2 * c2;
  const T = 1 -
    0.17 * (c1 * COS30 + s1 * SIN30) +
    0.24 * c2 +
    0.32 * (c3 * COS6 - s3 * SIN6) -
    0.20 * (c4 * COS63 + s4 * SIN63);
  const hTerm = dHTerm / (1 + 0.015 * cBar * T);

  // Hue rotation, which matters in the blue region around 275 degrees.
  const cBar7 = pow7(cBar);
  const rc = 2 * Math.sqrt(cBar7 / (cBar7 + POW25_7));
  const rot = (hBar * RAD_TO_DEG - 275) / 25;
  const dTheta = DEG30 * Math.exp(-(rot * rot));
  const rTerm = -Math.sin(2 * dTheta) * rc * cTerm * hTerm;

  const dE2 = lTerm * lTerm + cTerm * cTerm + hTerm * hTerm + rTerm;
  return Math.sqrt(dE2 > 0 ? dE2 : 0);
}

/**
 * CIEDE2000 colour difference of two Lab colours (kL = kC = kH = 1), as skimage computes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ciede2000, srgbToLab } from "./ciede2000.ts";
 * // Sharma, Wu and Dalal (2005), test pair 1: 2.0425.
 * assert.ok(Math.abs(ciede2000([50, 2.6772, -79.7751], [50, 0, -82.7485]) - 2.0425) < 1e-4);
 * assert.equal(ciede2000(srgbToLab(200, 30, 30), srgbToLab(200, 30, 30)), 0);
 * ```
 */
export function ciede2000(lab1: Lab, lab2: Lab): number {
  return deltaE00(lab1[0], lab1[1], lab1[2], lab2[0], lab2[1], lab2[2]);
}

/**
 * Mean and 99th percentile of the per-pixel CIEDE2000 between two same-size images.
 * Identical pixels give exactly 0. Throws a RangeError if the sizes differ or the images
 * have no pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { colorDifference } from "./ciede2000.ts";
 * const a = { width: 4, height: 4, data: new Uint8Array(48).fill(128) };
 * const b = { width: 4, height: 4, data: new Uint8Array(48).fill(130) };
 * assert.deepEqual(colorDifference(a, a), { mean: 0, p99: 0 });
 * const { mean, p99 } = colorDifference(a, b); // every pixel changed alike: ~0.75
 * assert.ok(mean > 0.5 && mean < 1 && p99 === mean);
 * ```
 */
export function colorDifference(a: RgbImage, b: RgbImage): ColorDifference {
  assertSameSize(a, b, "colorDifference");
  const n = a.width * a.height;
  if (n === 0) {
    throw new RangeError(`colorDifference: ${a.width}x${a.height} images have no pixels`);
  }
  const x = a.data, y = b.data;
  const lin = SRGB_TO_LINEAR;
  const values = new Float64Array(n);
  let sum = 0;
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r1 = x[i], g1 = x[i + 1], b1 = x[i + 2];
    const r2 = y[i], g2 = y[i + 1], b2 = y[i + 2];
    // Equal pixels have equal Lab, and CIEDE2000 of equal colours is exactly 0.
    if (r1 === r2 && g1 === g2 && b1 === b2) continue;
    let lr = lin[r1], lg = lin[g1], lb = lin[b1];
    let fx = labF((lr * M00 + lg * M01 + lb * M02) / WHITE_X);
    let fy = labF((lr * M10 + lg * M11 + lb * M12) / WHITE_Y);
    let fz = labF((lr * M20 + lg * M21 + lb * M22) / WHITE_Z);
    const L1 = 116 * fy - 16, A1 = 500 * (fx - fy), B1 = 200 * (fy - fz);
    lr = lin[r2], lg = lin[g2], lb = lin[b2];
    fx = labF((lr * M00 + lg * M01 + lb * M02) / WHITE_X);
    fy = labF((lr * M10 + lg * M11 + lb * M12) / WHITE_Y);
    fz = labF((lr * M20 + lg * M21 + lb * M22) / WHITE_Z);
    const d = deltaE00(L1, A1, B1, 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    values[p] = d;
    sum += d;
  }
  return { mean: sum / n, p99: percentile(values, 99) };
}

/**
 * numpy's default (linear) percentile of `values`, reordering them in place. Selects the two
 * order statistics around index q / 100 * (n - 1) instead of sorting everything, and blends
 * them with numpy's `_lerp` (which interpolates from the nearer end).
 */
function percentile(values: Float64Array, q: number): number {
  const n = values.length;
  const index = (q / 100) * (n - 1);
  const lo = Math.floor(index);
  if (lo >= n - 1) return select(values, n - 1);
  const below = select(values, lo);
  // After selection everything past lo is >= values[lo]; the next order statistic is their min.
  let above = values[lo + 1];
  for (let i = lo + 2; i < n; i++) if (values[i] < above) above = values[i];
  const t = index - lo;
  const diff = above - below;
  return t >= 0.5 ? above - diff * (1 - t) : below + diff * t;
}

/**
 * Reorders `values` so that values[k] is the k-th smallest, everything before it is <= and
 * everything after it is >= (Hoare's selection with three-way partitioning, which keeps the
 * many exact zeros of a lightly changed photo cheap). The pivot is the median of three
 * pseudo-random picks, so sorted or patterned input is no worse than shuffled; if the
 * partitions still keep coming out lopsided the remaining range is sorted instead.
 */
function select(values: Float64Array, k: number): number {
  let left = 0, right = values.length - 1;
  let lopsided = 0;
  let seed = 0x9e3779b9; // xorshift32 with a fixed start, so every run picks the same pivots
  const random = (size: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % size;
  };
  while (right > left) {
    const size = right - left + 1;
    if (lopsided > 8) {
      values.subarray(left, right + 1).sort();
      break;
    }
    const p0 = values[left + random(size)];
    const p1 = values[left + random(size)];
    const p2 = values[left + random(size)];
    const pivot = p0 < p1 ? (p1 < p2 ? p1 : p0 < p2 ? p2 : p0) : (p0 < p2 ? p0 : p1 < p2 ? p2 : p1);
    // Dutch national flag: [left, lt) < pivot, [lt, i) == pivot, (gt, right] > pivot.
    let lt = left, i = left, gt = right;
    while (i <= gt) {
      const v = values[i];
      if (v < pivot) {
        values[i++] = values[lt];
        values[lt++] = v;
      } else if (v > pivot) {
        values[i] = values[gt];
        values[gt--] = v;
      } else i++;
    }
    if (k < lt) right = lt - 1;
    else if (k > gt) left = gt + 1;
    else break;
    if (right - left + 1 > 0.75 * size) lopsided++;
  }
  return values[k];
}
