/**
 * TI-FGSM, translation-invariant attack: the gradient is smoothed with a Gaussian kernel
 * before each step, which approximates optimising over shifted copies of the image and
 * transfers better to detectors with other receptive fields. Dong, Pang, Su and Zhu,
 * "Evading Defenses to Transferable Adversarial Examples by Translation-Invariant
 * Attacks", CVPR 2019.
 *
 * Distance: L-inf. Defaults: kernel 7 (odd; applied to the perturbation variable, which
 * is already low resolution), sigma kernel/sqrt(3) as the paper's 3-sigma kernel,
 * momentum 1.0 (TI-MI-FGSM, as evaluated in the paper), step size as MI-FGSM.
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

/** A normalised 2-D Gaussian kernel spanning +-3 sigma, shaped for depthwise conv over RGB. */
export function gaussianKernel(size: number): tf.Tensor4D {
  const sigma = size / Math.sqrt(3) / 2;
  const half = (size - 1) / 2;
  const weights: number[] = [];
  let total = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      const w = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
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
