/**
 * DI-FGSM, diverse-inputs iterative FGSM: at each step, with probability `diversityProb`,
 * the adversarial image is shrunk by a random factor and padded back to its size at a
 * random offset before the detectors see it, so the perturbation does not overfit one
 * exact geometry and transfers better. Xie, Zhang, Zhou, Bai, Wang, Ren and Yuille,
 * "Improving Transferability of Adversarial Examples with Input Diversity", CVPR 2019.
 *
 * Distance: L-inf. Defaults: diversityProb 0.5, minScale 0.9 (the paper's 299 -> 279..330
 * resize-and-pad, as a scale), no momentum (set `momentum` 1.0 for M-DI2-FGSM), step
 * size as MI-FGSM.
 */
import * as tf from "@tensorflow/tfjs";
import { iterativeAttack } from "./iterative.ts";
import { momentumStepSize } from "./mifgsm.ts";
import type { Random } from "../random.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** DI-FGSM options. */
export interface DiFgsmOptions extends AttackOptions {
  /** Probability of transforming the input at a step (default 0.5). */
  diversityProb?: number;
  /** Smallest shrink factor (default 0.9). */
  minScale?: number;
  /** Momentum decay (default 0: plain DI2-FGSM). */
  momentum?: number;
}

/** Shrinks images by a random factor in [minScale, 1) and zero-pads them back at a random offset. */
export function resizeAndPad(
  images: tf.Tensor4D,
  random: Random,
  minScale: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = images.shape;
    const scale = random.uniform(minScale, 1);
    const h = Math.max(1, Math.round(height * scale));
    const w = Math.max(1, Math.round(width * scale));
    const top = random.int(0, height - h);
    const left = random.int(0, width - w);
    const shrunk = tf.image.resizeBilinear(images, [h, w]);
    return shrunk.pad([[0, 0], [top, height - h - top], [left, width - w - left], [0, 0]]);
  });
}

/** Runs DI-FGSM. */
export async function difgsm(
  problem: AttackProblem,
  options: DiFgsmOptions,
): Promise<AttackResult> {
  const probability = options.diversityProb ?? 0.5;
  const minScale = options.minScale ?? 0.9;
  if (!(probability >= 0 && probability <= 1)) {
    throw new RangeError(`diversityProb must be between 0 and 1, got ${probability}`);
  }
  if (!(minScale > 0 && minScale <= 1)) {
    throw new RangeError(`minScale must be in (0, 1], got ${minScale}`);
  }
  return await iterativeAttack(problem, {
    ...options,
    stepSize: options.stepSize ?? momentumStepSize(options),
    momentum: options.momentum ?? 0,
    randomStart: options.randomStart ?? false,
    inputTransform: (images, random) =>
      random.next() < probability ? resizeAndPad(images, random, minScale) : images,
  });
}
