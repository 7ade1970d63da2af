/**
 * Scale and translation diversity for any attack: at each step (with probability `prob`)
 * the photo every detector sees is rescaled by a random factor about its centre and shifted
 * by a random offset, the uncovered border filled with zeros, so the perturbation cannot
 * rely on one exact geometry. It generalises DI-FGSM's shrink-and-pad (Xie et al., CVPR
 * 2019; difgsm.ts), which only shrinks, to zooming in as well, and adds translation, the
 * invariance TI-FGSM approximates by smoothing the gradient (Dong et al., CVPR 2019).
 *
 * One draw per step, in units of the image size, applied to each detector's view at its own
 * resolution: every detector sees the same scene geometry in a step.
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../random.ts";

/** Ranges of the per-step transform. */
export interface AugmentOptions {
  /** Largest relative scale change s: factors uniform in [1 - s, 1 + s], 0 <= s < 1. */
  scale: number;
  /** Largest shift along each axis as a share of the side, 0..0.5. */
  shift: number;
  /** Probability that a step is transformed, 0..1. */
  prob: number;
}

/** One step's transform: a scale factor and a shift (shares of height and width). */
export interface AugmentDraw {
  /** Scale factor about the centre. */
  scale: number;
  /** Shift down, as a share of the height. */
  dy: number;
  /** Shift right, as a share of the width. */
  dx: number;
}

/** Checks the ranges; the error names the option. */
export function validateAugment(options: AugmentOptions): void {
  const { scale, shift, prob } = options;
  if (!(typeof scale === "number" && scale >= 0 && scale < 1)) {
    throw new RangeError(`augmentScale must be in [0, 1), got ${JSON.stringify(scale)}`);
  }
  if (!(typeof shift === "number" && shift >= 0 && shift <= 0.5)) {
    throw new RangeError(`augmentShift must be in [0, 0.5], got ${JSON.stringify(shift)}`);
  }
  if (!(typeof prob === "number" && prob >= 0 && prob <= 1)) {
    throw new RangeError(`augmentProb must be in [0, 1], got ${JSON.stringify(prob)}`);
  }
}

/** This step's transform, or undefined when the step is left alone. */
export function drawAugment(random: Random, options: AugmentOptions): AugmentDraw | undefined {
  if (random.next() >= options.prob) return undefined;
  return {
    scale: random.uniform(1 - options.scale, 1 + options.scale),
    dy: random.uniform(-options.shift, options.shift),
    dx: random.uniform(-options.shift, options.shift),
  };
}

// Along one axis of `size` cells: the image resized to `scaled` cells, centred, moved by
// `shift` cells. Which of its cells are kept, and where they land.
function placement(size: number, scaled: number, shift: number) {
  const start = Math.round((size - scaled) / 2 + shift); // first scaled cell's place
  const from = Math.max(0, -start);
  const to = Math.max(0, start);
  const length = Math.max(0, Math.min(scaled - from, size - to));
  return { from, to, length };
}

/** Applies a draw to [batch, H, W, 3] images, keeping their size; differentiable. */
export function applyAugment(images: tf.Tensor4D, draw: AugmentDraw): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = images.shape;
    const h = Math.max(1, Math.round(height * draw.scale));
    const w = Math.max(1, Math.round(width * draw.scale));
    const rows = placement(height, h, draw.dy * height);
    const cols = placement(width, w, draw.dx * width);
    if (rows.length === 0 || cols.length === 0) return tf.zeros([batch, height, width, channels]);
    const scaled = h === height && w === width ? images : tf.image.resizeBilinear(images, [h, w]);
    const visible = scaled.slice([0, rows.from, cols.from, 0], [-1, rows.length, cols.length, -1]);
    return visible.pad([
      [0, 0],
      [rows.to, height - rows.to - rows.length],
      [cols.to, width - cols.to - cols.length],
      [0, 0],
    ]) as tf.Tensor4D;
  });
}
