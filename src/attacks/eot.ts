/**
 * Expectation over transformation (Athalye, Engstrom, Ilyas and Kwok, "Synthesizing
 * Robust Adversarial Examples", ICML 2018): the loss is averaged over random versions of
 * the photo as a social network might deliver it: JPEG re-encoded at a random quality
 * (differentiable approximation), downscaled and upscaled with a random method and
 * scale, shifted by a few pixels. Every transform keeps the photo's size, so all samples
 * go through each detector as one batch.
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../random.ts";
import { jpegApprox } from "../image/jpeg_approx.ts";

/** The range of transforms robust mode samples from. */
export interface EotOptions {
  /**
   * "bpda": real JPEG/resampling in the forward pass, identity backward (fast, exact in
   * what detectors see); "differentiable": the differentiable JPEG approximation and
   * tfjs resampling, backpropagated through (slower; shifts apply only here).
   */
  mode: "bpda" | "differentiable";
  /** Whether the untransformed photo is also in every step's batch (default true). */
  includeOriginal: boolean;
  /** Transformed copies per step, besides the untransformed photo (default 2). */
  samples: number;
  /** JPEG quality range [min, max] (default [60, 95]). */
  jpegQuality: [number, number];
  /** Downscale factor range [min, max] before scaling back (default [0.5, 1]). */
  scale: [number, number];
  /** Largest shift in pixels along each axis (default 4). */
  maxShift: number;
  /**
   * Long side of the resolution the transforms run at; 0 means the photo's own. JPEG's
   * 8x8 blocks at a reduced resolution cover more of the photo, so it is harsher there.
   */
  workingSide: number;
}

/** Robust mode's defaults: what photo sharing typically does. */
export const DEFAULT_EOT: EotOptions = {
  mode: "differentiable",
  includeOriginal: true,
  samples: 2,
  jpegQuality: [60, 95],
  scale: [0.5, 1],
  maxShift: 4,
  workingSide: 0,
};

/** One sampled transform, with a name for logs and tests. */
export interface SampledTransform {
  /** e.g. "shift(2,-1)+area(0.62)+jpeg(71)". */
  name: string;
  /** Applies the transform to [batch, H, W, 3] 0..255 images; differentiable. */
  apply(images: tf.Tensor4D): tf.Tensor4D;
}

/** Shifts images by (dx, dy) pixels, replicating edges; differentiable. */
export function shiftImages(images: tf.Tensor4D, dx: number, dy: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = images.shape;
    const padY = Math.abs(dy);
    const padX = Math.abs(dx);
    if (padX === 0 && padY === 0) return images.clone();
    const padded = tf.mirrorPad(images, [[0, 0], [padY, padY], [padX, padX], [0, 0]], "symmetric");
    return padded.slice([0, padY - dy, padX - dx, 0], [-1, height, width, -1]) as tf.Tensor4D;
  });
}

/** Downscales by `scale` with the given method, then back up bilinearly; differentiable. */
export function rescaleImages(
  images: tf.Tensor4D,
  scale: number,
  method: "bilinear" | "area" | "nearest",
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = images.shape;
    const h = Math.max(1, Math.round(height * scale));
    const w = Math.max(1, Math.round(width * scale));
    let small: tf.Tensor4D;
    if (method === "nearest") small = tf.image.resizeNearestNeighbor(images, [h, w]);
    else if (method === "bilinear") small = tf.image.resizeBilinear(images, [h, w]);
    else {
      // Area: average over k x k blocks first (what libvips and most sites do), then resize.
      const k = Math.max(1, Math.floor(1 / scale));
      const pooled = k > 1 ? tf.avgPool(images, k, k, "same") : images;
      small = tf.image.resizeBilinear(pooled as tf.Tensor4D, [h, w]);
    }
    return tf.image.resizeBilinear(small, [height, width]);
  });
}

/** Draws one random transform from the options. */
export function sampleTransform(random: Random, options: EotOptions): SampledTransform {
  const dx = random.int(-options.maxShift, options.maxShift);
  const dy = random.int(-options.maxShift, options.maxShift);
  const scale = random.uniform(options.scale[0], options.scale[1]);
  const methods = ["bilinear", "area", "nearest"] as const;
  const method = methods[random.int(0, methods.length - 1)];
  const quality = random.int(options.jpegQuality[0], options.jpegQuality[1]);
  return {
    name: `shift(${dx},${dy})+${method}(${scale.toFixed(2)})+jpeg(${quality})`,
    apply: (images) =>
      tf.tidy(() => {
        const shifted = shiftImages(images, dx, dy);
        const rescaled = scale < 0.99 ? rescaleImages(shifted, scale, method) : shifted;
        // Straight-through rounding: the cubic one has almost no slope on photos that
        // were JPEG already (their coefficients sit near integers).
        return jpegApprox(rescaled, quality, { rounding: "straight-through" });
      }),
  };
}

/** Checks EOT options, throwing a RangeError naming the bad field. */
export function validateEot(options: EotOptions): void {
  const [qMin, qMax] = options.jpegQuality;
  const [sMin, sMax] = options.scale;
  if (options.mode !== "bpda" && options.mode !== "differentiable") {
    throw new RangeError(`eot mode must be "bpda" or "differentiable", got ${options.mode}`);
  }
  if (!(Number.isInteger(options.samples) && options.samples >= 1 && options.samples <= 64)) {
    throw new RangeError(`eot samples must be a whole number from 1 to 64, got ${options.samples}`);
  }
  if (!(qMin >= 1 && qMax <= 100 && qMin <= qMax)) {
    throw new RangeError(`eot jpegQuality must be a range within 1..100, got [${qMin}, ${qMax}]`);
  }
  if (!(sMin > 0 && sMax <= 1 && sMin <= sMax)) {
    throw new RangeError(`eot scale must be a range within (0, 1], got [${sMin}, ${sMax}]`);
  }
  if (!(Number.isInteger(options.workingSide) && options.workingSide >= 0)) {
    throw new RangeError(`eot workingSide must be a whole number >= 0, got ${options.workingSide}`);
  }
  if (!(Number.isInteger(options.maxShift) && options.maxShift >= 0 && options.maxShift <= 64)) {
    throw new RangeError(
      `eot maxShift must be a whole number from 0 to 64, got ${options.maxShift}`,
    );
  }
}
