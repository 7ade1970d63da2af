/**
 * How a perturbation is parametrised, kept inside its budget, and seen by detectors.
 *
 * The attack variable is a low-resolution tensor, weighted by a mask in [0, 1] (1
 * everywhere, only around faces, or less where the photo is flat) and smoothly
 * upsampled to the photo. Smooth perturbations survive JPEG and resizing; full-resolution
 * ones through a bilinear model resize touch only the pixels the resize samples and
 * vanish after JPEG q95 (see the shared design notes). `factor` 1 gives full resolution.
 *
 * Detectors resize the whole photo bilinearly to their input. Resizing is linear, so a
 * detector's view of clean + perturbation is resize(clean) + resize(upsample(variable)),
 * and resize ∘ upsample is, per axis, one small matrix. `resized()` evaluates exactly that,
 * so every step sees what the deployed preprocessing would see on the full-resolution
 * photo, without building full-resolution tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { interpolationMatrix } from "../gradients/resize_bilinear_grad.ts";
import type { Norm } from "./types.ts";
import { type Matrix, SeparableMap } from "../image/separable_map.ts";

/** Shape and weighting of a perturbation. */
export interface PerturbationOptions {
  /** Downscaling factor of the attack variable relative to the photo (1 = full resolution). */
  factor?: number;
  /** Weights [batch or 1, H, W, 1] in [0, 1] at photo resolution; averaged to the variable's. */
  mask?: tf.Tensor4D;
  /**
   * "rgb" (default): one value per channel. "luma": one value per pixel, added to R, G and
   * B alike. JPEG keeps luma at full resolution and quantises it finely, but halves chroma
   * and quantises it coarsely, so under the same per-channel budget a grey perturbation
   * keeps more of itself through re-encoding.
   */
  colour?: "rgb" | "luma";
}

/** A parametrisation: variable shape, budget projection, and views of the result. */
export class Perturbation {
  /** Shape of the photo batch [batch, H, W, 3]. */
  readonly imageShape: [number, number, number, number];
  /** Shape of the attack variable [batch, h, w, 3]. */
  readonly variableShape: [number, number, number, number];
  /** Downscaling factor. */
  readonly factor: number;
  /** Colour directions the variable spans. */
  readonly colour: "rgb" | "luma";
  #mask?: tf.Tensor4D;
  readonly #maps = new Map<string, SeparableMap>();

  /** Creates a parametrisation for photos of the given shape. */
  constructor(imageShape: number[], options: PerturbationOptions = {}) {
    const factor = options.factor ?? 1;
    if (!(factor >= 1 && factor <= 64)) {
      throw new RangeError(`perturbation factor must be between 1 and 64, got ${factor}`);
    }
    const [batch, height, width] = imageShape;
    this.imageShape = [batch, height, width, 3];
    this.factor = factor;
    const colour = options.colour ?? "rgb";
    if (colour !== "rgb" && colour !== "luma") {
      throw new RangeError(`perturbation colour must be "rgb" or "luma", got ${String(colour)}`);
    }
    this.colour = colour;
    this.variableShape = [
      batch,
      Math.max(1, Math.ceil(height / factor)),
      Math.max(1, Math.ceil(width / factor)),
      colour === "luma" ? 1 : 3,
    ];
    if (options.mask) {
      const [, h, w] = this.variableShape;
      const mask = options.mask;
      // Area-average the photo-resolution mask down to the variable: its own copy.
      this.#mask = tf.keep(tf.tidy(() => resizeByMatrices(mask, h, w, true)));
    }
  }

  /** The same parametrisation with its mask multiplied by `extra` (photo resolution, 0..1). */
  withExtraMask(extra: tf.Tensor4D): Perturbation {
    const [, h, w] = this.variableShape;
    const combined = new Perturbation(this.imageShape, {
      factor: this.factor,
      colour: this.colour,
    });
    const low = tf.tidy(() => {
      const extraLow = resizeByMatrices(extra, h, w, true);
      return this.#mask ? this.#mask.mul(extraLow) as tf.Tensor4D : extraLow;
    });
    combined.#mask = low;
    return combined;
  }

  /** The weighted variable as three channels, before upsampling. */
  weighted(variable: tf.Tensor4D): tf.Tensor4D {
    const mask = this.#mask;
    if (this.colour === "rgb") {
      return mask ? tf.tidy(() => variable.mul(mask) as tf.Tensor4D) : variable;
    }
    return tf.tidy(() => (mask ? variable.mul(mask) : variable).tile([1, 1, 1, 3]) as tf.Tensor4D);
  }

  /** The pixel perturbation [batch, H, W, 3] at photo resolution; differentiable. */
  toPixels(variable: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, height, width] = this.imageShape;
      const weighted = this.weighted(variable);
      return this.factor === 1 ? weighted : tf.image.resizeBilinear(weighted, [height, width]);
    });
  }

  /**
   * The perturbation as a bilinear resize of the full-resolution perturbation to
   * [height, width] would see it, computed without the full-resolution tensor.
   */
  resized(variable: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
    const map = this.#compositeMap(height, width);
    return tf.tidy(() => map.apply(this.weighted(variable)));
  }

  /**
   * Projects a variable back into the budget. For L-inf, clipping the variable bounds
   * the pixels too (upsampling interpolates, the mask is <= 1). For L2, the pixel
   * perturbation is linear in the variable, so scaling the variable scales its norm.
   */
  project(variable: tf.Tensor4D, eps: number, norm: Norm): tf.Tensor4D {
    return tf.tidy(() => {
      if (norm === "linf") return variable.clipByValue(-eps, eps) as tf.Tensor4D;
      const scale = tf.minimum(1, tf.div(eps, this.pixelL2(variable).add(1e-12)));
      return variable.mul(scale.reshape([-1, 1, 1, 1])) as tf.Tensor4D;
    });
  }

  /** A random starting variable inside the budget: uniform (L-inf) or a random direction and radius (L2). */
  randomStart(eps: number, norm: Norm, seed: number): tf.Tensor4D {
    // One draw for a single image, repeated over the batch: a photo starts where it
    // would alone with this seed, whichever photos share its batch (sweeps batch them).
    const [batch, ...rest] = this.variableShape;
    const one = [1, ...rest];
    return tf.tidy(() => {
      if (norm === "linf") {
        const start = tf.randomUniform(one, -eps, eps, "float32", seed);
        return start.tile([batch, 1, 1, 1]) as tf.Tensor4D;
      }
      const direction = tf.randomNormal(one, 0, 1, "float32", seed).tile([batch, 1, 1, 1]);
      const radius = tf.randomUniform([1], 0, eps, "float32", seed + 1);
      const scale = radius.div(this.pixelL2(direction as tf.Tensor4D).add(1e-12))
        .reshape([-1, 1, 1, 1]);
      return direction.mul(scale) as tf.Tensor4D;
    });
  }

  /** L2 norm of each image's pixel perturbation over the 0..1 image, [batch]. */
  pixelL2(variable: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() =>
      this.toPixels(variable).div(255).square().sum([1, 2, 3]).sqrt() as tf.Tensor1D
    );
  }

  // rows: [height, h] = resize(H -> height) · upsample(h -> H); cols likewise.
  #compositeMap(height: number, width: number): SeparableMap {
    const key = `${height}x${width}`;
    let found = this.#maps.get(key);
    if (!found) {
      const [, H, W] = this.imageShape;
      const [, h, w] = this.variableShape;
      found = new SeparableMap(composite(h, H, height), composite(w, W, width));
      this.#maps.set(key, found);
    }
    return found;
  }

  /** Releases the mask and cached matrices. */
  dispose(): void {
    this.#mask?.dispose();
    for (const map of this.#maps.values()) map.dispose();
    this.#maps.clear();
  }
}

// The matrix of "upsample small -> full, then resize full -> out" along one axis.
function composite(small: number, full: number, out: number): Matrix {
  const up = interpolationMatrix(small, full, false, false); // [full, small]
  const down = interpolationMatrix(full, out, false, false); // [out, full]
  const values = new Float32Array(out * small);
  // down · up, skipping zeros: each row of either reads at most two inputs.
  for (let o = 0; o < out; o++) {
    for (let f = 0; f < full; f++) {
      const d = down[o * full + f];
      if (d === 0) continue;
      for (let s = 0; s < small; s++) {
        const u = up[f * small + s];
        if (u !== 0) values[o * small + s] += d * u;
      }
    }
  }
  return { values, shape: [out, small] };
}

/** Resizes with interpolation matrices; `area` averages (for masks) instead of sampling. */
export function resizeByMatrices(
  x: tf.Tensor4D,
  height: number,
  width: number,
  area = false,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = x.shape;
    const matrix = (from: number, to: number): Matrix => ({
      values: area ? areaMatrix(from, to) : interpolationMatrix(from, to, false, false),
      shape: [to, from],
    });
    const map = new SeparableMap(matrix(H, height), matrix(W, width));
    const out = map.apply(x);
    map.dispose();
    return out;
  });
}

// Each output cell averages the input cells it covers (with fractional overlap).
function areaMatrix(inSize: number, outSize: number): Float32Array {
  const weights = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const start = o * scale;
    const end = start + scale;
    for (let i = Math.floor(start); i < Math.min(inSize, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) weights[o * inSize + i] = overlap / scale;
    }
  }
  return weights;
}
