/**
 * TI-FGSM, translation-invariant attack: the gradient is smoothed with a Gaussian kernel
 * before each step, which approximates optimising over shifted copies of the image and
 * transfers better to detectors with other receptive fields. Dong, Pang, Su and Zhu,
 * "Evading Defenses to Transferable Adversarial Examples by Translation-Invariant
 * Attacks", CVPR 2019.
 *
 * Distance: L-inf. Defaults: kernel 7 (odd; applied to the perturbation variable, which
 * is already low resolution), momentum 1.0 (TI-MI-FGSM, as evaluated in the paper), step
 * size as MI-FGSM. The kernel is the authors' (their reference code samples the normal
 * density at k points evenly spaced over [-3, 3]): sigma (k - 1) / 6 pixels, 1 for k = 7.
 * Before this was fixed the kernel had sigma k / (2 sqrt 3), about twice that (2.02 for 7).
 */
import * as tf from "@tensorflow/tfjs";
import { iterativeAttack } from "./iterative.ts";
import { momentumStepSize } from "./mifgsm.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** TI-FGSM options. */
export interface TiFgsmOptions extends AttackOptions {
  /** Side of the square Gaussian kernel, odd (default 7). */
  kernelSize?: number;
  /** Momentum decay (default 1.0). */
  momentum?: number;
}

/** The Gaussian's standard deviation in pixels for a kernel of side `size`: its half-side is 3 sigma. */
export function kernelSigma(size: number): number {
  return (size - 1) / 6;
}

/** A normalised 2-D Gaussian kernel spanning +-3 sigma, shaped for depthwise conv over RGB. */
export function gaussianKernel(size: number): tf.Tensor4D {
  const sigma = kernelSigma(size);
  const half = (size - 1) / 2;
  const weights: number[] = [];
  let total = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      // Side 1 has sigma 0: the identity, as the reference's single sample gives.
      const w = sigma === 0 ? 1 : Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
      weights.push(w);
      total += w;
    }
  }
  return tf.tidy(() =>
    tf.tensor2d(weights.map((w) => w / total), [size, size]).reshape([size, size, 1, 1])
      .tile([1, 1, 3, 1]) as tf.Tensor4D
  );
}

/** Runs TI-FGSM. */
export async function tifgsm(
  problem: AttackProblem,
  options: TiFgsmOptions,
): Promise<AttackResult> {
  const size = options.kernelSize ?? 7;
  if (!(Number.isInteger(size) && size >= 1 && size <= 63 && size % 2 === 1)) {
    throw new RangeError(`kernelSize must be an odd whole number from 1 to 63, got ${size}`);
  }
  const kernel = gaussianKernel(size);
  return await iterativeAttack(problem, {
    ...options,
    stepSize: options.stepSize ?? momentumStepSize(options),
    momentum: options.momentum ?? 1.0,
    randomStart: options.randomStart ?? false,
    gradientTransform: (g) => tf.tidy(() => tf.depthwiseConv2d(g, kernel, 1, "same")),
  }).finally(() => kernel.dispose());
}
