/**
 * FGSM, the fast gradient sign method: one step of size eps along the sign of the
 * gradient. Goodfellow, Shlens and Szegedy, "Explaining and Harnessing Adversarial
 * Examples", ICLR 2015.
 *
 * Distance: L-inf (L2 takes one normalised step of length eps). Options: eps, norm,
 * seed; `steps` is ignored (always 1).
 */
import { iterativeAttack } from "./iterative.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** Runs FGSM. */
export function fgsm(problem: AttackProblem, options: AttackOptions): Promise<AttackResult> {
  return iterativeAttack(problem, {
    ...options,
    steps: 1,
    stepSize: options.stepSize ?? options.eps,
    randomStart: false,
  });
}
