/**
 * BIM / I-FGSM, the basic iterative method: FGSM repeated with a small step, clipped to
 * the budget after every step. Kurakin, Goodfellow and Bengio, "Adversarial Examples in
 * the Physical World", ICLR Workshop 2017.
 *
 * Distance: L-inf (or L2). Defaults: no random start; step size 2.5 * eps / steps, at
 * least 1 grey level, so the budget can be reached and explored within the steps.
 */
import { iterativeAttack } from "./iterative.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** Default step size for iterative attacks: 2.5 eps / steps (Madry et al.), at least 1/255 of eps. */
export function defaultStepSize(options: AttackOptions): number {
  const minimum = options.norm === "l2" ? options.eps / 100 : 1;
  return Math.min(options.eps, Math.max(minimum, (2.5 * options.eps) / options.steps));
}

/** Runs BIM. */
export function bim(problem: AttackProblem, options: AttackOptions): Promise<AttackResult> {
  return iterativeAttack(problem, {
    ...options,
    stepSize: options.stepSize ?? defaultStepSize(options),
    randomStart: false,
  });
}
