/**
 * JND-PGD: PGD under a texture-adaptive budget, trading strength for invisibility. The
 * eye notices a change far less in textured regions than in flat ones (contrast
 * masking, the basis of just-noticeable-difference models; e.g. Chou and Li 1995, and
 * its use for imperceptible attacks by Luo, Liu, Wei and Xu, "Towards Imperceptible
 * and Robust Adversarial Example Attacks against Neural Networks", AAAI 2018). The
 * per-pixel budget is eps * clamp(local std / reference, floor, 1), with the local
 * standard deviation of luma over a window.
 *
 * Distance: L-inf, per pixel at most eps (less in flat regions). Options: `reference`
 * (grey levels of local std that earn the full budget, default 10), `floor` (share of
 * the budget kept in flat regions, default 0.3), `window` (odd, default 9 pixels).
 */
import * as tf from "@tensorflow/tfjs";
import { pgd } from "./pgd.ts";
import { localContrast } from "./contrast_budget.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** JND-PGD options. */
export interface JndPgdOptions extends AttackOptions {
  /** Local standard deviation (grey levels) at which the full budget applies. */
  reference?: number;
  /** Budget share kept in perfectly flat regions, 0..1. */
  floor?: number;
  /** Window side for the local statistics, odd. */
  window?: number;
}

/** The budget map [batch, H, W, 1] in [floor, 1] from local luma contrast. */
export function textureBudget(
  clean: tf.Tensor4D,
  reference: number,
  floor: number,
  window: number,
): tf.Tensor4D {
  return tf.tidy(() =>
    localContrast(clean, window).div(reference).clipByValue(floor, 1) as tf.Tensor4D
  );
}

/** Runs JND-PGD. */
export async function jndPgd(
  problem: AttackProblem,
  options: JndPgdOptions,
): Promise<AttackResult> {
  const reference = options.reference ?? 10;
  const floor = options.floor ?? 0.3;
  const window = options.window ?? 9;
  if (!(reference > 0)) throw new RangeError(`reference must be positive, got ${reference}`);
  if (!(floor >= 0 && floor <= 1)) throw new RangeError(`floor must be in [0, 1], got ${floor}`);
  if (!(Number.isInteger(window) && window >= 1 && window % 2 === 1)) {
    throw new RangeError(`window must be an odd whole number, got ${window}`);
  }
  const budget = textureBudget(problem.clean, reference, floor, window);
  const perturbation = problem.perturbation.withExtraMask(budget);
  budget.dispose();
  try {
    return await pgd({ ...problem, perturbation }, options);
  } finally {
    perturbation.dispose();
  }
}
