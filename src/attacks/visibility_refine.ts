/**
 * Visibility refinement: once an attack has hidden every face, further steps that make the
 * change less visible while keeping the faces hidden. Sign-step PGD moves every pixel by
 * the full step, so a protected photo ends with most of its pixels at the edge of the
 * budget, also where the gradient is tiny. Refinement steps decay the perturbation towards
 * zero, fastest where SSIM notices a change most (flat regions: a window's structure term
 * drops by about sigma_d^2 / (2 sigma_x^2 + C2)), and push back only in proportion to the
 * detectors' gradient, where it is large. It is a minimum-distortion attack in the spirit of
 * DDN (Rony et al., CVPR 2019) and FMN (Pintor et al., NeurIPS 2021), with an SSIM-weighted
 * L2 cost (a texture share mixes plain L2 in: SSIM forgives change in texture, PSNR does not):
 * the checked candidate with no face and the lowest cost is kept, and a check that finds a
 * face halves the decay from then on while the iterate carries on (the push hides the face
 * again; going back to the best iterate threw the round away).
 */
import * as tf from "@tensorflow/tfjs";
import { localContrast } from "./contrast_budget.ts";
import type { Perturbation } from "./perturbation.ts";
import type { Norm } from "./types.ts";

/** SSIM's C2 for 8-bit images: (0.03 * 255)^2. */
const SSIM_C2 = (0.03 * 255) ** 2;

/** Settings of the refinement. */
export interface VisibilityRefineOptions {
  /** Budget the refined perturbation stays within (the attack's). */
  eps: number;
  /** Its distance. */
  norm: Norm;
  /** Largest push per step along the detectors' gradient (grey levels; default 0.5). */
  stepSize?: number;
  /** Share of the perturbation removed per step in the flattest regions (default 0.05). */
  decay?: number;
  /**
   * Decay in the busiest regions as a share of that in the flattest, 0 to 1 (default 0:
   * SSIM's weighting alone). Above 0 the cost mixes plain L2 in, which PSNR measures.
   */
  textureShare?: number;
}

/**
 * One refinement run's state: the visibility weights of the photo at the variable's
 * resolution and the decay schedule.
 */
export class VisibilityRefiner {
  readonly #perturbation: Perturbation;
  readonly #weights: tf.Tensor4D;
  readonly #eps: number;
  readonly #norm: Norm;
  readonly #stepSize: number;
  #decay: number;

  /** Weights from the clean photo [1, H, W, 3] (0..255) for this parametrisation. */
  constructor(clean: tf.Tensor4D, perturbation: Perturbation, options: VisibilityRefineOptions) {
    if (perturbation.levels !== 1) {
      throw new RangeError(
        "visibility refinement needs a single-resolution perturbation (levels 1)",
      );
    }
    const stepSize = options.stepSize ?? 0.5;
    const decay = options.decay ?? 0.05;
    const textureShare = options.textureShare ?? 0;
    if (!(textureShare >= 0 && textureShare <= 1)) {
      throw new RangeError(`refine textureShare must be in [0, 1], got ${textureShare}`);
    }
    if (!(stepSize > 0)) throw new RangeError(`refine stepSize must be positive, got ${stepSize}`);
    if (!(decay > 0 && decay < 1)) {
      throw new RangeError(`refine decay must be in (0, 1), got ${decay}`);
    }
    this.#perturbation = perturbation;
    this.#eps = options.eps;
    this.#norm = options.norm;
    this.#stepSize = stepSize;
    this.#decay = decay;
    const [, h, w] = perturbation.variableShape;
    this.#weights = tf.tidy(() => {
      // SSIM's window is a Gaussian of sigma 1.5 px; a 7 px box sees about the same.
      const sigma = localContrast(clean, 7);
      const ssimWeight = tf.div(SSIM_C2, sigma.square().mul(2).add(SSIM_C2));
      const weight = ssimWeight.mul(1 - textureShare).add(textureShare);
      // Area average to the variable's cells: a cell moves every pixel it covers.
      return tf.image.resizeBilinear(weight as tf.Tensor4D, [h, w], false) as tf.Tensor4D;
    });
  }

  /** Visibility cost of a variable: the SSIM-weighted sum of squares of its weighted cells. */
  cost(variable: tf.Tensor4D): number {
    return tf.tidy(() =>
      this.#perturbation.weighted(variable).square().mul(this.#weights).sum().dataSync()[0]
    );
  }

  /**
   * The next variable: decayed towards zero (by `decay` times the cell's visibility weight)
   * and pushed down the detectors' gradient in proportion to its size (the largest cells a
   * full `stepSize`), projected into the budget.
   */
  next(variable: tf.Tensor4D, gradient: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const scale = gradient.abs().mean().mul(4).add(1e-12);
      const push = gradient.div(scale).clipByValue(-1, 1).mul(this.#stepSize);
      const kept = tf.sub(1, this.#weights.mul(this.#decay));
      const stepped = variable.mul(kept).sub(push) as tf.Tensor4D;
      return this.#perturbation.project(stepped, this.#eps, this.#norm);
    });
  }

  /** A check found a face: decay half as fast from now on. */
  backOff(): void {
    this.#decay /= 2;
  }

  /** Current decay per step. */
  get decay(): number {
    return this.#decay;
  }

  /** Releases the weights. */
  dispose(): void {
    this.#weights.dispose();
  }
}
