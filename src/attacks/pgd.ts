/**
 * PGD, projected gradient descent from a random start inside the budget. Madry,
 * Makelov, Schmidt, Tsipras and Vladu, "Towards Deep Learning Models Resistant to
 * Adversarial Attacks", ICLR 2018.
 *
 * Distance: L-inf (signed steps, clipping) or L2 (normalised steps, projection onto the
 * ball). Defaults: random start on, step size 2.5 * eps / steps.
 */
import { defaultStepSize } from "./bim.ts";
import { iterativeAttack } from "./iterative.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** Runs PGD. */
export function pgd(problem: AttackProblem, options: AttackOptions): Promise<AttackResult> {
  return iterativeAttack(problem, {
    ...options,
    stepSize: options.stepSize ?? defaultStepSize(options),
    randomStart: options.randomStart ?? true,
  });
}
