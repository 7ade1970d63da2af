/**
 * A differentiable surrogate of OpenCV's Haar cascade, so the attack can aim at the
 * classic non-neural face detector too. Detection is the real cascade (haar_cascade.ts);
 * `faceLogits` scores, for the windows the real cascade's pyramid nearly or fully accepts,
 * how far each is from being rejected, through the same pipeline made smooth:
 *
 * - BT.601 grey, OpenCV's area downscale to the detection size (a linear map), and
 *   histogram equalisation as its lookup table, linearised around the current pixels with
 *   the table's slope over a few grey levels (the table itself does not move in a step);
 * - each pyramid level a linear resize (OpenCV's sampling grid), each window's 24x24 patch;
 * - every stump's feature (a linear map of the patch) over the window's variance norm, and
 *   its step made a sigmoid a `softness` grey levels wide; stage sums of the soft leaves;
 * - a window's logit: the soft minimum over stages of each stage's margin over its
 *   threshold, in units of that stage's spread. Positive means every stage passes: a
 *   detection. Pushing it below zero rejects the window at its weakest stage.
 *
 * Which windows to score is found exactly, per call, by the TypeScript cascade
 * (haar_windows.ts, checked window for window against OpenCV's raw detections): every
 * window that passes at least all but `nearStages` stages, so windows just short of
 * detection are held down too.
 */
import * as tf from "@tensorflow/tfjs";
import type { Face, WhiteBoxDetector } from "./types.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { HAAR_CASCADE_FILE, HaarCascadeDetector, type HaarCascadeOptions } from "./haar_cascade.ts";
import { type HaarCascadeModel, parseHaarCascade } from "./haar_cascade_model.ts";
import { evaluateLevel, type HaarLevel, haarPyramid, type HaarWindow } from "./haar_windows.ts";
import { interpolationMatrix } from "../gradients/resize_bilinear_grad.ts";
import { type Matrix, SeparableMap } from "../image/separable_map.ts";
import { areaMatrix } from "../image/area_matrix.ts";
import { MODELS_DIR } from "../paths.ts";

/** Options of the surrogate on top of the real cascade's. */
export interface HaarSmoothOptions extends HaarCascadeOptions {
  /** Windows that fail at most this many of the last stages are scored too (default 3). */
  nearStages?: number;
  /** Grey levels over which a stump's step is smoothed into a sigmoid (default 1). */
  softness?: number;
  /** Temperature of the soft minimum over stages, in logit units (default 0.5). */
  temperature?: number;
}

/**
 * Stage margins are counted in this fraction of the stage's spread (the spread its sum would
 * have if its stumps were fair coins), so the attack's hinge margin of 2 asks for half a
 * spread below the threshold.
 */
const MARGIN_UNIT = 0.25;

/** The windows one photo's faceLogits scores, and how its detection image was made. */
export interface HaarWindowPlan {
  /** Detection image size (after the area downscale to maxSide). */
  width: number;
  /** Detection image height. */
  height: number;
  /** Per grey level 0..255 of the unequalised detection image: the equalised value. */
  lut: Float32Array;
  /** The equalisation's slope at each grey level, over +-2 levels. */
  slope: Float32Array;
  /** The unequalised grey detection image (rounded), which `lut` and `slope` index. */
  grey: Uint8Array;
  /** The pyramid. */
  levels: HaarLevel[];
  /** Windows scored, with how many stages each passed. */
  windows: HaarWindow[];
}

// Parsed cascades by folder: parsing the 900 kB file takes a moment, and workers load often.
const modelCache = new Map<string, Promise<HaarCascadeModel>>();

/** The white-box Haar surrogate; `detect` is the real cascade. */
export class HaarSmoothDetector implements WhiteBoxDetector {
  /** Detector id. */
  readonly id = "haar-smooth";
  /** Model family. */
  readonly family = "viola-jones";
  /** Differentiable through the surrogate. */
  readonly kind = "whitebox" as const;
  /** The real cascade's score threshold. */
  readonly threshold = 0.5;
  /** A window is a detection when its logit (weakest stage margin) is positive. */
  readonly logitThreshold = 0;
  /** The longer side of the detection image (the cascade's maxSide). */
  readonly inputSize: number;
  /** One line for listings. */
  readonly description =
    "Smooth surrogate of OpenCV's Haar cascade (frontalface_default); detects with the real one";
  /** Stages short of a detection a scored window may be. */
  readonly nearStages: number;
  /** Grey levels over which a stump's step is smoothed. */
  readonly softness: number;
  /** Temperature of the soft minimum over stages. */
  readonly temperature: number;
  readonly #cascade: HaarCascadeDetector;
  readonly #model: HaarCascadeModel;
  readonly #constants: SurrogateConstants;
  readonly #maps = new Map<string, SeparableMap>();
  #mapsPhoto = "";

  private constructor(
    cascade: HaarCascadeDetector,
    model: HaarCascadeModel,
    options: HaarSmoothOptions,
  ) {
    this.#cascade = cascade;
    this.#model = model;
    this.inputSize = cascade.maxSide || 960;
    this.nearStages = options.nearStages ?? 3;
    this.softness = options.softness ?? 1;
    this.temperature = options.temperature ?? 0.5;
    this.#constants = surrogateConstants(model);
  }

  /** Loads the real cascade and parses the same verified file for the surrogate. */
  static async load(options: HaarSmoothOptions = {}): Promise<HaarSmoothDetector> {
    const { nearStages = 3, softness = 1, temperature = 0.5 } = options;
    if (!(Number.isInteger(nearStages) && nearStages >= 0)) {
      throw new RangeError(
        `haar-smooth: nearStages must be a whole number >= 0, not ${nearStages}`,
      );
    }
    if (!(softness > 0)) throw new RangeError(`haar-smooth: softness must be > 0, not ${softness}`);
    if (!(temperature > 0)) {
      throw new RangeError(`haar-smooth: temperature must be > 0, not ${temperature}`);
    }
    // The real cascade verifies the file's SHA-256 before either reads it.
    const cascade = await HaarCascadeDetector.load(options);
    try {
      const dir = options.dir ?? MODELS_DIR;
      let model = modelCache.get(dir);
      if (!model) {
        model = Deno.readTextFile(`${dir}/${HAAR_CASCADE_FILE}`).then(parseHaarCascade);
        modelCache.set(dir, model);
        model.catch(() => modelCache.delete(dir));
      }
      return new HaarSmoothDetector(cascade, await model, {
        ...options,
        nearStages,
        softness,
        temperature,
      });
    } catch (error) {
      cascade.dispose();
      throw error;
    }
  }

  /**
   * Milliseconds of one step (window search, forward and gradient) for a photo of this size
   * on wasm: about 1.5 s a megapixel of the detection image (capped at maxSide), mostly the
   * exact window search (0.16-0.21 s on a 384x544 photo, 2-core build machine).
   */
  stepMs(height: number, width: number): number {
    const longer = Math.max(height, width);
    const scale = this.inputSize && longer > this.inputSize ? this.inputSize / longer : 1;
    return 50 + 1500 * (height * scale) * (width * scale) / 1e6;
  }

  /** The photo at its own size: the area downscale is part of the surrogate. */
  inputShape(height: number, width: number): [number, number] {
    return [height, width];
  }

  /** The real cascade's faces. */
  detect(image: RgbImage): Promise<Face[]> {
    return this.#cascade.detect(image);
  }

  /**
   * The windows faceLogits would score on this photo: the exact cascade over the real
   * pyramid, keeping those that pass all but at most `nearStages` stages.
   */
  windowPlan(image: RgbImage): HaarWindowPlan {
    const detection = this.#cascade.detectionImage(image);
    const { width, height, grey } = detection;
    const levels = haarPyramid(width, height, {
      scaleFactor: this.#cascade.scaleFactor,
      minSize: this.#cascade.minWindow(height, width),
      window: this.#model.width,
    });
    const minPassed = Math.max(0, this.#model.stages.length - this.nearStages);
    const pixels = this.#cascade.resizeLevels(detection, levels);
    const windows = levels.flatMap((level, i) =>
      evaluateLevel(this.#model, level, pixels[i], i, minPassed)
    );
    const { lut, slope } = equalisationTable(grey);
    return { width, height, lut, slope, grey, levels, windows };
  }

  /**
   * Soft logits [1, windows] of a plan's windows for one photo [1, H, W, 3] (0..255):
   * differentiable; the plan is held fixed (for a gradient check).
   */
  logitsFor(image: tf.Tensor4D, plan: HaarWindowPlan): tf.Tensor2D {
    return tf.tidy(() => {
      const [, H, W] = image.shape;
      if (plan.windows.length === 0) return image.sum().mul(0).reshape([1, 1]).sub(1e4);
      const grey = image.mul(this.#constants.greyWeights).sum(3, true) as tf.Tensor4D; // [1, H, W, 1]
      const small = H === plan.height && W === plan.width
        ? grey
        : this.#map(`${H}x${W}`, "area", () =>
          new SeparableMap(areaMap(H, plan.height), areaMap(W, plan.width))).apply(grey);
      // Equalisation linearised at the current grey levels: lut(g) + slope(g) * (x - g).
      const n = plan.width * plan.height;
      const offset = new Float32Array(n);
      const gain = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const g = plan.grey[i];
        gain[i] = plan.slope[g];
        offset[i] = plan.lut[g] - plan.slope[g] * g;
      }
      const shape: [number, number, number, number] = [1, plan.height, plan.width, 1];
      const equalised = small.mul(tf.tensor4d(gain, shape)).add(
        tf.tensor4d(offset, shape),
      ) as tf.Tensor4D;
      const patches = this.#patches(equalised, plan, `${H}x${W}`); // [K, 576]
      return this.#windowLogits(patches).reshape([1, -1]) as tf.Tensor2D;
    });
  }

  /** Face logits [batch, windows] (padded with -1e4 where a photo has fewer windows). */
  faceLogits(images: tf.Tensor4D): tf.Tensor2D {
    const logitsOf = (one: tf.Tensor4D) => this.logitsFor(one, this.windowPlan(pixelsOf(one)));
    const batch = images.shape[0];
    if (batch === 1) return logitsOf(images);
    return tf.tidy(() => {
      const rows = Array.from(
        { length: batch },
        (_, b) => logitsOf(tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1])),
      );
      const width = Math.max(...rows.map((r) => r.shape[1]));
      return tf.concat(
        rows.map((r) => tf.pad(r, [[0, 0], [0, width - r.shape[1]]], -1e4)),
        0,
      ) as tf.Tensor2D;
    });
  }

  /** Releases the cascade and cached maps. */
  dispose(): void {
    this.#cascade.dispose();
    for (const map of this.#maps.values()) map.dispose();
    this.#maps.clear();
    for (const t of Object.values(this.#constants)) (t as tf.Tensor).dispose();
  }

  /**
   * A cached resampling map. Maps serve one photo size at a time (`photo`): a server
   * protecting photos of many sizes would otherwise keep every size's.
   */
  #map(photo: string, key: string, make: () => SeparableMap): SeparableMap {
    if (photo !== this.#mapsPhoto) {
      for (const map of this.#maps.values()) map.dispose();
      this.#maps.clear();
      this.#mapsPhoto = photo;
    }
    let map = this.#maps.get(key);
    if (!map) {
      map = make();
      this.#maps.set(key, map);
    }
    return map;
  }

  /** The scored windows' 24x24 patches [K, 576], level by level. */
  #patches(equalised: tf.Tensor4D, plan: HaarWindowPlan, photo: string): tf.Tensor2D {
    const side = this.#model.width;
    const byLevel = new Map<number, HaarWindow[]>();
    for (const w of plan.windows) {
      const list = byLevel.get(w.level);
      if (list) list.push(w);
      else byLevel.set(w.level, [w]);
    }
    const parts: tf.Tensor2D[] = [];
    for (const [index, windows] of byLevel) {
      const level = plan.levels[index];
      const map = this.#map(
        photo,
        `level:${level.height}x${level.width}`,
        () =>
          new SeparableMap(
            linearMatrix(plan.height, level.height),
            linearMatrix(plan.width, level.width),
          ),
      );
      const pixels = map.apply(equalised).reshape([-1]) as tf.Tensor1D;
      const indices = new Int32Array(windows.length * side * side);
      windows.forEach((w, k) => {
        for (let y = 0; y < side; y++) {
          for (let x = 0; x < side; x++) {
            indices[(k * side + y) * side + x] = (w.y + y) * level.width + w.x + x;
          }
        }
      });
      parts.push(
        gatherWithScatterGrad(pixels, indices).reshape([windows.length, side * side]),
      );
    }
    // The plan lists its windows level by level, so this is the plan's order.
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor2D;
  }

  /** Soft logits [K] of patches [K, 576]. */
  #windowLogits(patches: tf.Tensor2D): tf.Tensor1D {
    const c = this.#constants;
    const area = (this.#model.width - 2) * (this.#model.height - 2);
    const sum = patches.matMul(c.inner); // [K, 1]
    const sqsum = patches.square().matMul(c.inner);
    const norm = sqsum.mul(area).sub(sum.square()).relu().add(1).sqrt(); // [K, 1]
    const features = byConstant(patches, c.features, c.featuresT); // [K, stumps]
    // Each stump's step spread over `softness` grey levels of its feature's own contrast.
    const z = features.sub(norm.mul(c.thresholds)).div(c.l1.mul(this.softness));
    const leaves = c.left.add(c.diff.mul(z.sigmoid()));
    const margins = byConstant(leaves as tf.Tensor2D, c.membership, c.membershipT) // [K, stages]
      .sub(c.stageThresholds).div(c.spread);
    const t = this.temperature;
    return margins.mul(-1 / t).logSumExp(1).mul(-t) as tf.Tensor1D;
  }
}

/** Pixels 0..255 of a [1, H, W, 3] float tensor, rounded, as an image. */
function pixelsOf(image: tf.Tensor4D): RgbImage {
  const [, height, width] = image.shape;
  const values = image.dataSync();
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    data[i] = Math.min(255, Math.max(0, Math.round(values[i])));
  }
  return { width, height, data };
}

/** The cascade as tensors: stump features, thresholds, leaves, stage membership. */
interface SurrogateConstants {
  greyWeights: tf.Tensor1D; // BT.601
  features: tf.Tensor2D; // [576, stumps]
  featuresT: tf.Tensor2D; // its transpose, for the gradient
  membershipT: tf.Tensor2D;
  inner: tf.Tensor2D; // [576, 1]: the normalisation rectangle
  thresholds: tf.Tensor2D; // [1, stumps]
  l1: tf.Tensor2D; // [1, stumps]: sum of |weight| over each feature's pixels
  left: tf.Tensor2D;
  diff: tf.Tensor2D;
  membership: tf.Tensor2D; // [stumps, stages]
  stageThresholds: tf.Tensor2D; // [1, stages]
  spread: tf.Tensor2D; // [1, stages]
}

function surrogateConstants(model: HaarCascadeModel): SurrogateConstants {
  const { width, height } = model;
  const pixels = width * height;
  const stumps = model.stages.flatMap((stage) => stage.stumps);
  const n = stumps.length;
  const features = new Float32Array(pixels * n);
  const l1 = new Float32Array(n);
  stumps.forEach((stump, j) => {
    const column = new Float32Array(pixels);
    for (const r of model.features[stump.feature]) {
      for (let y = r.y; y < r.y + r.height; y++) {
        for (let x = r.x; x < r.x + r.width; x++) column[y * width + x] += r.weight;
      }
    }
    for (let p = 0; p < pixels; p++) {
      features[p * n + j] = column[p];
      l1[j] += Math.abs(column[p]);
    }
  });
  const inner = new Float32Array(pixels);
  for (let y = 1; y < height - 1; y++) for (let x = 1; x < width - 1; x++) inner[y * width + x] = 1;
  const stages = model.stages.length;
  const membership = new Float32Array(n * stages);
  const spread = new Float32Array(stages);
  let j = 0;
  model.stages.forEach((stage, s) => {
    let squares = 0;
    for (const stump of stage.stumps) {
      membership[j++ * stages + s] = 1;
      squares += (stump.right - stump.left) ** 2;
    }
    // The spread of the stage sum if its stumps were independent fair coins.
    spread[s] = (Math.sqrt(squares) / 2) * MARGIN_UNIT;
  });
  return tf.tidy(() => ({
    greyWeights: tf.tensor1d([0.299, 0.587, 0.114]),
    features: tf.tensor2d(features, [pixels, n]),
    featuresT: tf.tensor2d(features, [pixels, n]).transpose<tf.Tensor2D>(),
    membershipT: tf.tensor2d(membership, [n, stages]).transpose<tf.Tensor2D>(),
    inner: tf.tensor2d(inner, [pixels, 1]),
    thresholds: tf.tensor2d(Float32Array.from(stumps, (s) => s.threshold), [1, n]),
    l1: tf.tensor2d(l1, [1, n]),
    left: tf.tensor2d(Float32Array.from(stumps, (s) => s.left), [1, n]),
    diff: tf.tensor2d(Float32Array.from(stumps, (s) => s.right - s.left), [1, n]),
    membership: tf.tensor2d(membership, [n, stages]),
    stageThresholds: tf.tensor2d(Float32Array.from(model.stages, (s) => s.threshold), [1, stages]),
    spread: tf.tensor2d(spread, [1, stages]),
  }));
}

/**
 * OpenCV's equalizeHist as a table over grey levels, and its slope over +-2 levels (the
 * table is a staircase; its local slope is what a small change of grey sees).
 */
export function equalisationTable(grey: Uint8Array): { lut: Float32Array; slope: Float32Array } {
  const hist = new Float64Array(256);
  for (const g of grey) hist[g]++;
  const lut = new Float32Array(256);
  let first = 0;
  while (first < 255 && hist[first] === 0) first++;
  const total = grey.length;
  if (hist[first] === total) {
    lut.fill(first);
  } else {
    const scale = 255 / (total - hist[first]);
    let sum = 0;
    for (let i = first + 1; i < 256; i++) {
      sum += hist[i];
      lut[i] = Math.min(255, Math.round(sum * scale));
    }
  }
  const slope = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const lo = Math.max(0, i - 2);
    const hi = Math.min(255, i + 2);
    slope[i] = (lut[hi] - lut[lo]) / (hi - lo);
  }
  return { lut, slope };
}

function linearMatrix(from: number, to: number): Matrix {
  return { values: interpolationMatrix(from, to, false, true), shape: [to, from] };
}

// OpenCV's INTER_AREA for a downscale, as a resampling map's factor.
function areaMap(from: number, to: number): Matrix {
  return { values: areaMatrix(from, to), shape: [to, from] };
}

/**
 * x · w for a constant w, whose gradient multiplies by the stored transpose: tfjs's own
 * gradient asks wasm for a transposed product, several times slower (separable_map.ts).
 */
function byConstant(x: tf.Tensor2D, w: tf.Tensor2D, wT: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((input) => ({
    value: (input as tf.Tensor2D).matMul(w),
    gradFunc: (dy) => (dy as tf.Tensor2D).matMul(wT),
  }));
  return op(x) as tf.Tensor2D;
}

/** tf.gather of a flat tensor with a scatter-add gradient (tfjs's own needs a kernel wasm lacks). */
function gatherWithScatterGrad(flat: tf.Tensor1D, indices: Int32Array): tf.Tensor1D {
  const size = flat.shape[0];
  const op = tf.customGrad((x) => {
    const idx = tf.tensor1d(indices, "int32");
    const value = tf.gather(x as tf.Tensor1D, idx);
    idx.dispose();
    return {
      value,
      gradFunc: (dy) =>
        tf.tidy(() =>
          tf.scatterND(tf.tensor2d(indices, [indices.length, 1], "int32"), dy as tf.Tensor1D, [
            size,
          ])
        ),
    };
  });
  return op(flat) as tf.Tensor1D;
}
