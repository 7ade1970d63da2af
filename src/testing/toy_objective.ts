/**
 * A tiny differentiable objective for attack tests: the loss is linear in the image the
 * detectors would see, sum(weights(step) * seen), so the gradient with respect to the
 * perturbation is exactly the step's weights (while no pixel is clipped) and every update
 * an attack makes can be computed by hand. It runs in milliseconds, no model involved.
 */
import * as tf from "@tensorflow/tfjs";
import type { Objective } from "../attacks/types.ts";
import type { AdversarialView } from "../attacks/adversarial_view.ts";

/** What the toy objective does at each step. */
export interface ToyObjectiveOptions {
  /** The loss's weights at a step, shaped like the photo batch [batch, H, W, 3]. */
  weights: (step: number) => number[];
  /** Throw from loss() at this step (a detector failing mid-attack). */
  throwAt?: number;
  /** Throw from prepare() at this step; without it the objective has no prepare(). */
  prepareThrowsAt?: number;
  /** Throw from remoteLoss() at this step (a gradient worker failing after the backward pass). */
  remoteThrowsAt?: number;
}

/** The toy objective and what it saw. */
export interface ToyObjective extends Objective {
  /** The photo-size image the loss saw at each step, as plain numbers. */
  readonly seen: Float32Array[];
}

/** Builds the toy objective for photos of shape `shape`. */
export function toyObjective(shape: number[], options: ToyObjectiveOptions): ToyObjective {
  const [, height, width] = shape;
  const seen: Float32Array[] = [];
  let lastStep = 0;
  const objective: ToyObjective = {
    seen,
    loss(view: AdversarialView, step: number): tf.Scalar {
      lastStep = step;
      return tf.tidy(() => {
        const image = view.resized(height, width);
        // After the first ops, as a detector failing half-way through its forward pass.
        if (step === options.throwAt) throw new Error(`toy objective fails at step ${step}`);
        seen.push(image.dataSync() as Float32Array);
        const weights = tf.tensor(options.weights(step), image.shape);
        return image.mul(weights).sum() as tf.Scalar;
      });
    },
    remoteLoss(): number {
      if (lastStep === options.remoteThrowsAt) {
        throw new Error(`toy worker fails at step ${lastStep}`);
      }
      return 0;
    },
  };
  if (options.prepareThrowsAt !== undefined) {
    objective.prepare = (_candidate: tf.Tensor4D, step: number) =>
      step === options.prepareThrowsAt
        ? Promise.reject(new Error(`toy prepare fails at step ${step}`))
        : Promise.resolve();
  }
  return objective;
}
