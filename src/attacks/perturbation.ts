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
 *
 * With `levels` > 1 the perturbation is a sum of variables at several resolutions, level i
 * at `factor` x 2^i (a coarse-to-fine pyramid: coarse parts move whole regions, which
 * survive resizing and JPEG, fine parts add detail). The parts are packed into one variable
 * [batch, 1, n, channels] (each level's h x w cells in turn) so attacks keep one tensor. An
 * L-inf budget gives each level eps / levels: upsampling interpolates and masks are <= 1, so
 * the sum stays within eps exactly (a box inside the budget, not a projection onto it).
 */
import * as tf from "@tensorflow/tfjs";
import { interpolationMatrix } from "../gradients/resize_bilinear_grad.ts";
import { areaMatrix } from "../image/area_matrix.ts";
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
  /** Resolutions summed: level i at factor x 2^i (default 1: one variable). */
  levels?: number;
}

// One level of a multi-resolution variable: its size, factor, mask, and place in the packing.
interface Level {
  height: number;
  width: number;
  factor: number;
  offset: number;
  mask?: tf.Tensor4D;
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
  /** Resolutions summed (1: a single variable). */
  readonly levels: number;
  // Level i at factor x 2^i: sizes, masks, and places in the packed variable.
  readonly #layout: Level[];
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
    const levels = options.levels ?? 1;
    if (!(Number.isInteger(levels) && levels >= 1 && levels <= 6)) {
      throw new RangeError(`perturbation levels must be a whole number from 1 to 6, got ${levels}`);
    }
    this.levels = levels;
    const channels = colour === "luma" ? 1 : 3;
    let offset = 0;
    const layout: Level[] = [];
    for (let i = 0; i < levels; i++) {
      const f = factor * 2 ** i;
      const h = Math.max(1, Math.ceil(height / f));
      const w = Math.max(1, Math.ceil(width / f));
      layout.push({ height: h, width: w, factor: f, offset });
      offset += h * w;
    }
    this.#layout = layout;
    this.variableShape = levels === 1
      ? [batch, layout[0].height, layout[0].width, channels]
      : [batch, 1, offset, channels];
    if (options.mask) this.#setMasks(options.mask);
  }

  // Each level's mask: the photo-resolution mask area-averaged to it (own copies).
  #setMasks(photoMask: tf.Tensor4D): void {
    for (const level of this.#layout) {
      level.mask = tf.keep(
        tf.tidy(() => resizeByMatrices(photoMask, level.height, level.width, true)),
      );
    }
  }

  // Level 0's mask is the single variable's mask.
  get #mask(): tf.Tensor4D | undefined {
    return this.#layout[0].mask;
  }

  /** A multi-resolution variable's levels, each [batch, h, w, channels], unweighted. */
  unpack(variable: tf.Tensor4D): tf.Tensor4D[] {
    if (this.levels === 1) return [variable];
    return tf.tidy(() => this.#layout.map((level) => this.#cells(variable, level)));
  }

  /** Packs levels (as unpack returns them) into one variable. */
  pack(parts: tf.Tensor4D[]): tf.Tensor4D {
    if (this.levels === 1) return parts[0];
    return tf.tidy(() =>
      tf.concat(parts.map((p) => p.reshape([p.shape[0], 1, -1, p.shape[3]])), 2) as tf.Tensor4D
    );
  }

  /**
   * This parametrisation (factor, colour, mask) with its variable split into `levels`
   * resolutions; coarser levels take the mask area-averaged from level 0's.
   */
  withLevels(levels: number): Perturbation {
    const copy = new Perturbation(this.imageShape, {
      factor: this.factor,
      colour: this.colour,
      levels,
    });
    const mask = this.#mask;
    if (mask) {
      for (const level of copy.#layout) {
        level.mask = tf.keep(
          tf.tidy(() => resizeByMatrices(mask, level.height, level.width, true)),
        );
      }
    }
    return copy;
  }

  #cells(variable: tf.Tensor4D, level: Level): tf.Tensor4D {
    return variable.slice([0, 0, level.offset, 0], [-1, 1, level.height * level.width, -1])
      .reshape([variable.shape[0], level.height, level.width, variable.shape[3]]) as tf.Tensor4D;
  }

  // Every level of a variable: its cells as [batch, h, w, channels], weighted by its mask.
  #parts(variable: tf.Tensor4D): { level: Level; weighted: tf.Tensor4D }[] {
    return this.#layout.map((level) => ({
      level,
      weighted: this.#weigh(this.#cells(variable, level), level.mask),
    }));
  }

  /** The same parametrisation with its mask multiplied by `extra` (photo resolution, 0..1). */
  withExtraMask(extra: tf.Tensor4D): Perturbation {
    const combined = new Perturbation(this.imageShape, {
      factor: this.factor,
      colour: this.colour,
      levels: this.levels,
    });
    // Every level: its own mask times the extra one, area-averaged to the level.
    this.#layout.forEach((own, i) => {
      combined.#layout[i].mask = tf.keep(tf.tidy(() => {
        const extraLow = resizeByMatrices(extra, own.height, own.width, true);
        return own.mask ? own.mask.mul(extraLow) as tf.Tensor4D : extraLow;
      }));
    });
    return combined;
  }

  /** The weighted variable as three channels, before upsampling. */
  weighted(variable: tf.Tensor4D): tf.Tensor4D {
    if (this.levels > 1) throw new Error("weighted() takes a single-level variable; see unpack()");
    return this.#weigh(variable, this.#mask);
  }

  #weigh(variable: tf.Tensor4D, mask: tf.Tensor4D | undefined): tf.Tensor4D {
    if (this.colour === "rgb") {
      return mask ? tf.tidy(() => variable.mul(mask) as tf.Tensor4D) : variable;
    }
    return tf.tidy(() => (mask ? variable.mul(mask) : variable).tile([1, 1, 1, 3]) as tf.Tensor4D);
  }

  /** The pixel perturbation [batch, H, W, 3] at photo resolution; differentiable. */
  toPixels(variable: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, height, width] = this.imageShape;
      if (this.levels > 1) {
        const ups = this.#parts(variable).map(({ level, weighted }) =>
          level.factor === 1 ? weighted : tf.image.resizeBilinear(weighted, [height, width])
        );
        return tf.addN(ups) as tf.Tensor4D;
      }
      const weighted = this.weighted(variable);
      return this.factor === 1 ? weighted : tf.image.resizeBilinear(weighted, [height, width]);
    });
  }

  /**
   * The perturbation as a bilinear resize of the full-resolution perturbation to
   * [height, width] would see it, computed without the full-resolution tensor.
   */
  resized(variable: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
    if (this.levels > 1) {
      return tf.tidy(() =>
        tf.addN(
          this.#parts(variable).map(({ level, weighted }) =>
            this.#compositeMap(height, width, level).apply(weighted)
          ),
        ) as tf.Tensor4D
      );
    }
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
      // Each level's share: the sum of the upsampled levels stays within eps.
      const share = eps / this.levels;
      if (norm === "linf") return variable.clipByValue(-share, share) as tf.Tensor4D;
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
        const share = eps / this.levels;
        const start = tf.randomUniform(one, -share, share, "float32", seed);
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
  #compositeMap(height: number, width: number, level?: Level): SeparableMap {
    const key = `${height}x${width}@${(level ?? this.#layout[0]).factor}`;
    let found = this.#maps.get(key);
    if (!found) {
      const [, H, W] = this.imageShape;
      const { height: h, width: w } = level ?? this.#layout[0];
      found = new SeparableMap(composite(h, H, height), composite(w, W, width));
      this.#maps.set(key, found);
    }
    return found;
  }

  /** Releases the mask and cached matrices. */
  dispose(): void {
    for (const level of this.#layout) level.mask?.dispose();
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
