/**
 * OpenCV's Haar cascade evaluated window by window in TypeScript, the way OpenCV 4's
 * `detectMultiScale` does it (cascadedetect.cpp): an image pyramid of linear resizes, a
 * 24x24 window every 2 pixels (every pixel from a scale factor of 2), skipping the next
 * position after a window that fails the first stage, variance normalisation over the
 * window's inner 22x22 pixels, windows with a standard deviation of 10 or less rejected,
 * float32 feature arithmetic. It answers how far each window got through the cascade, which
 * OpenCV does not: the smooth surrogate (haar_smooth.ts) attacks the windows that get
 * close. Checked against opencv-js's own raw detections in haar_windows_test.ts.
 */
import type { HaarCascadeModel } from "./haar_cascade_model.ts";

/** One pyramid level: the detection image resized by 1 / factor. */
export interface HaarLevel {
  /** Scale factor (float32, as OpenCV keeps it); windows here cover 24 * factor pixels. */
  factor: number;
  /** Level width in pixels: round(detection width / factor). */
  width: number;
  /** Level height in pixels. */
  height: number;
  /** Window step in level pixels: 2 below a factor of 2, else 1. */
  step: number;
}

/** A window and how far it got. */
export interface HaarWindow {
  /** Index of its level in the list the windows were found on. */
  level: number;
  /** Left column in level pixels. */
  x: number;
  /** Top row in level pixels. */
  y: number;
  /** Stages passed: the cascade's stage count for a detection. */
  stagesPassed: number;
}

/** OpenCV's cvRound: to nearest, ties to even (lrint). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The pyramid `detectMultiScale` builds for a width x height detection image: factors
 * 1, s, s^2, ... while the window fits the image, skipping those whose window is below
 * `minSize` pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { haarPyramid } from "./haar_windows.ts";
 * const levels = haarPyramid(100, 80, { scaleFactor: 1.1, minSize: 30, window: 24 });
 * assert.equal(levels[0].width, Math.round(100 / levels[0].factor));
 * assert.ok(levels.every((l) => 24 * l.factor >= 29.5 && 24 * l.factor <= 80.5));
 * ```
 */
export function haarPyramid(
  width: number,
  height: number,
  options: { scaleFactor: number; minSize: number; window: number },
): HaarLevel[] {
  const levels: HaarLevel[] = [];
  for (let factor = 1;; factor *= options.scaleFactor) {
    const windowSide = roundHalfEven(options.window * factor);
    if (windowSide > width || windowSide > height) break;
    if (windowSide < options.minSize) continue;
    const f = Math.fround(factor);
    levels.push({
      factor: f,
      width: roundHalfEven(width / f),
      height: roundHalfEven(height / f),
      step: f >= 2 ? 1 : 2,
    });
  }
  return levels;
}

/** The cascade's stumps flattened in evaluation order, each with its feature's rectangles. */
interface FlatCascade {
  // Per stump, up to 3 rects as x, y, width, height in window pixels.
  rects: Int32Array;
  weights: Float32Array;
  rectCount: Uint8Array;
  threshold: Float32Array;
  left: Float64Array;
  right: Float64Array;
  stageEnd: Int32Array;
  stageThreshold: Float64Array;
  // Corner offsets in an integral image of a given row stride, per stump 12 (see corners).
  cornersByStride: Map<number, Int32Array>;
}

const flattened = new WeakMap<HaarCascadeModel, FlatCascade>();

function flatten(model: HaarCascadeModel): FlatCascade {
  let flat = flattened.get(model);
  if (flat) return flat;
  const stumps = model.stages.flatMap((stage) => stage.stumps);
  const n = stumps.length;
  const rects = new Int32Array(n * 12);
  const weights = new Float32Array(n * 3);
  const rectCount = new Uint8Array(n);
  stumps.forEach((stump, j) => {
    const feature = model.features[stump.feature];
    rectCount[j] = feature.length;
    feature.forEach((r, k) => {
      rects.set([r.x, r.y, r.width, r.height], j * 12 + k * 4);
      weights[j * 3 + k] = r.weight;
    });
  });
  let end = 0;
  flat = {
    rects,
    weights,
    rectCount,
    threshold: Float32Array.from(stumps, (s) => s.threshold),
    left: Float64Array.from(stumps, (s) => s.left),
    right: Float64Array.from(stumps, (s) => s.right),
    stageEnd: Int32Array.from(model.stages, (stage) => (end += stage.stumps.length)),
    stageThreshold: Float64Array.from(model.stages, (stage) => stage.threshold),
    cornersByStride: new Map(),
  };
  flattened.set(model, flat);
  return flat;
}

/**
 * Each stump's rectangle corners (top-left, top-right, bottom-left, bottom-right) as
 * offsets from a window's top-left corner in an integral image of row stride `stride`.
 */
function corners(flat: FlatCascade, stride: number): Int32Array {
  let found = flat.cornersByStride.get(stride);
  if (found) return found;
  found = new Int32Array(flat.rects.length);
  for (let i = 0; i < flat.rects.length; i += 4) {
    const [x, y, w, h] = flat.rects.subarray(i, i + 4);
    found[i] = y * stride + x;
    found[i + 1] = y * stride + x + w;
    found[i + 2] = (y + h) * stride + x;
    found[i + 3] = (y + h) * stride + x + w;
  }
  flat.cornersByStride.set(stride, found);
  return found;
}

/** Integral images (sum and sum of squares) of a width x height grey image, (w+1) x (h+1). */
function integrals(pixels: Uint8Array, width: number, height: number) {
  const stride = width + 1;
  // Whole-number sums fit 32 bits (255 x 961 x 961 < 2^31), which reads faster.
  const sum = new Int32Array(stride * (height + 1));
  const sqsum = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let rowSum = 0;
    let rowSq = 0;
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      rowSum += v;
      rowSq += v * v;
      const i = (y + 1) * stride + x + 1;
      sum[i] = sum[i - stride] + rowSum;
      sqsum[i] = sqsum[i - stride] + rowSq;
    }
  }
  return { sum, sqsum, stride };
}

/**
 * Runs the cascade over every window of one level, as OpenCV visits them, and returns the
 * windows that passed at least `minStagesPassed` stages (the cascade's stage count: only
 * detections).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHaarCascade } from "./haar_cascade_model.ts";
 * import { evaluateLevel } from "./haar_windows.ts";
 * const model = parseHaarCascade(await Deno.readTextFile("models/haarcascade_frontalface_default.xml"));
 * // A flat grey level has no contrast: every window is rejected before the first stage.
 * const level = { factor: 1, width: 40, height: 40, step: 2 };
 * const flat = new Uint8Array(40 * 40).fill(128);
 * assert.deepEqual(evaluateLevel(model, level, flat, 0, 0), []);
 * ```
 */
export function evaluateLevel(
  model: HaarCascadeModel,
  level: HaarLevel,
  pixels: Uint8Array,
  levelIndex: number,
  minStagesPassed: number,
): HaarWindow[] {
  const { width, height, step } = level;
  if (pixels.length !== width * height) {
    throw new RangeError(
      `haar level ${levelIndex}: ${pixels.length} pixels, not ${width}x${height}`,
    );
  }
  const { sum, sqsum, stride } = integrals(pixels, width, height);
  const flat = flatten(model);
  const { weights, rectCount, threshold, left, right, stageEnd, stageThreshold } = flat;
  const c = corners(flat, stride);
  // The normalisation rectangle: the window without its one-pixel border.
  const nx = 1, ny = 1, nw = model.width - 2, nh = model.height - 2;
  const area = nw * nh;
  const n0 = ny * stride + nx, n1 = n0 + nw, n2 = n0 + nh * stride, n3 = n2 + nw;
  const stageCount = model.stages.length;
  const found: HaarWindow[] = [];
  const xEnd = width + 1 - model.width;
  const yEnd = height + 1 - model.height;
  for (let y = 0; y < yEnd; y += step) {
    for (let x = 0; x < xEnd; x += step) {
      const base = y * stride + x;
      const valsum = sum[base + n0] - sum[base + n1] - sum[base + n2] + sum[base + n3];
      const valsqsum = sqsum[base + n0] - sqsum[base + n1] - sqsum[base + n2] + sqsum[base + n3];
      const nf = area * valsqsum - valsum * valsum;
      if (!(nf > 0)) continue;
      const normFactor = Math.fround(1 / Math.sqrt(nf));
      // OpenCV rejects windows of standard deviation 10 or less before any stage.
      if (!(area * normFactor < 0.1)) continue;
      let passed = 0;
      let stump = 0;
      for (let stage = 0; stage < stageCount; stage++) {
        let total = 0;
        for (const end = stageEnd[stage]; stump < end; stump++) {
          const r = stump * 3;
          const o = r * 4;
          let value = Math.fround(
            Math.fround(
              weights[r] *
                (sum[base + c[o]] - sum[base + c[o + 1]] - sum[base + c[o + 2]] +
                  sum[base + c[o + 3]]),
            ) +
              Math.fround(
                weights[r + 1] *
                  (sum[base + c[o + 4]] - sum[base + c[o + 5]] - sum[base + c[o + 6]] +
                    sum[base + c[o + 7]]),
              ),
          );
          if (rectCount[stump] === 3) {
            value = Math.fround(
              value +
                Math.fround(
                  weights[r + 2] *
                    (sum[base + c[o + 8]] - sum[base + c[o + 9]] - sum[base + c[o + 10]] +
                      sum[base + c[o + 11]]),
                ),
            );
          }
          value = Math.fround(value * normFactor);
          total += value < threshold[stump] ? left[stump] : right[stump];
        }
        if (total < stageThreshold[stage]) break;
        passed++;
      }
      if (passed >= minStagesPassed) found.push({ level: levelIndex, x, y, stagesPassed: passed });
      // OpenCV skips the next position after a window that fails the first stage.
      if (passed === 0) x += step;
    }
  }
  return found;
}

/** A window's square in detection-image pixels, as OpenCV reports it: [x, y, side, side]. */
export function windowBox(level: HaarLevel, window: HaarWindow, side = 24): number[] {
  const s = roundHalfEven(side * level.factor);
  return [
    roundHalfEven(window.x * level.factor),
    roundHalfEven(window.y * level.factor),
    s,
    s,
  ];
}
