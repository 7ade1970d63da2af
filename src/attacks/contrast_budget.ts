/**
 * A budget map that follows local contrast smoothly. The eye notices a change far less
 * where a photo is busy than where it is flat (contrast masking), so the full budget goes
 * to textured regions and a share of it (`floor`) to flat ones. Unlike a per-pixel clamp
 * of the local standard deviation, the map is blurred once more at the same scale and
 * ramps linearly from `floor`: no edges of its own, which a sign-step perturbation would
 * trace as visible seams, and no region left with so little budget that a face there
 * cannot be hidden (a floor of 0.3 left faces on smooth skin).
 */
import * as tf from "@tensorflow/tfjs";

/** Luma's local standard deviation over a `window`-pixel square, [batch, H, W, 1]. */
export function localContrast(clean: tf.Tensor4D, window: number): tf.Tensor4D {
  return tf.tidy(() => {
    const luma = clean.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(3, true) as tf.Tensor4D;
    const mean = tf.avgPool(luma, window, 1, "same");
    const meanOfSquares = tf.avgPool(luma.square() as tf.Tensor4D, window, 1, "same");
    return meanOfSquares.sub(mean.square()).relu().sqrt() as tf.Tensor4D;
  });
}

/** Options of the contrast budget. */
export interface ContrastBudgetOptions {
  /** Share of the budget in perfectly flat regions, 0..1 (default 0.5). */
  floor?: number;
  /** Local standard deviation (grey levels) that earns the full budget (default 12). */
  reference?: number;
  /** Window side in pixels, odd (default: about 1/80 of the short side, at least 5). */
  window?: number;
}

/** The budget map [batch, H, W, 1] in [floor, 1], smooth at the scale of its window. */
export function contrastBudget(
  clean: tf.Tensor4D,
  options: ContrastBudgetOptions = {},
): tf.Tensor4D {
  const floor = options.floor ?? 0.5;
  const reference = options.reference ?? 12;
  const [, height, width] = clean.shape;
  const window = options.window ?? Math.max(5, 2 * Math.round(Math.min(height, width) / 160) + 1);
  if (!(floor >= 0 && floor <= 1)) throw new RangeError(`floor must be in [0, 1], got ${floor}`);
  if (!(reference > 0)) throw new RangeError(`reference must be positive, got ${reference}`);
  if (!(Number.isInteger(window) && window >= 1 && window % 2 === 1)) {
    throw new RangeError(`window must be an odd whole number, got ${window}`);
  }
  return tf.tidy(() => {
    const share = localContrast(clean, window).div(reference).clipByValue(0, 1) as tf.Tensor4D;
    const smooth = tf.avgPool(share, window, 1, "same");
    return smooth.mul(1 - floor).add(floor) as tf.Tensor4D;
  });
}
