/**
 * MI-FGSM, momentum iterative FGSM: accumulates the L1-normalised gradient with decay
 * `momentum` and steps along the sign of the accumulation, which stabilises the update
 * direction and transfers better to unseen models. Dong, Liao, Pang, Su, Zhu, Hu and
 * Li, "Boosting Adversarial Attacks with Momentum", CVPR 2018.
 *
 * Distance: L-inf. Defaults: momentum 1.0, step size eps / steps (the paper's), at
 * least 1 grey level; no random start.
 */
import { iterativeAttack } from "./iterative.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";

/** MI-FGSM options. */
export interface MiFgsmOptions extends AttackOptions {
  /** Decay of the accumulated gradient (default 1.0). */
  momentum?: number;
}

/** The paper's step size eps / steps; for L-inf at least one grey level so 8-bit output moves. */
export function momentumStepSize(options: AttackOptions): number {
  const step = options.eps / options.steps;
  return options.norm === "l2" ? step : Math.min(options.eps, Math.max(1, step));
}

/** Runs MI-FGSM. */
export function mifgsm(problem: AttackProblem, options: MiFgsmOptions): Promise<AttackResult> {
  return iterativeAttack(problem, {
    ...options,
    stepSize: options.stepSize ?? momentumStepSize(options),
    momentum: options.momentum ?? 1.0,
    randomStart: options.randomStart ?? false,
  });
}
