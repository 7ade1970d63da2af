/**
 * Auto-PGD: PGD without a step size to tune. Croce and Hein, "Reliable evaluation of
 * adversarial robustness with an ensemble of diverse parameter-free attacks", ICML 2020,
 * Algorithm 1.
 *
 * It starts with a large step (2 * eps), adds momentum over points (alpha 0.75), and at
 * checkpoints w_j = ceil(p_j * N) (p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1}
 * - 0.03, 0.06)) halves the step and restarts from the best point so far when progress
 * stalled: (1) fewer than rho = 75% of the steps since the last checkpoint lowered the
 * loss, or (2) the step was not halved at the last checkpoint and the best loss has not
 * improved since. Here the loss is minimised (no face seen), so "best" is lowest.
 *
 * Distance: L-inf (signed steps) or L2 (normalised steps). Options: `alpha` (momentum
 * weight of the new step, default 0.75), `rho` (default 0.75), `initialStep` (initial
 * step as a multiple of eps, default 2 as in the paper; `stepSize` gives it in grey levels
 * instead), `randomStart` (default true, as AutoAttack's implementation).
 */
import * as tf from "@tensorflow/tfjs";
import { iterativeAttack, type StepRule } from "./iterative.ts";
import type { AttackOptions, AttackProblem, AttackResult, Norm } from "./types.ts";

/** Auto-PGD options. */
export interface AutoPgdOptions extends AttackOptions {
  /** Weight of the new gradient step against the previous move (paper: 0.75). */
  alpha?: number;
  /** Share of improving steps below which a checkpoint halves the step (paper: 0.75). */
  rho?: number;
  /** Initial step as a multiple of eps (paper: 2); `stepSize` overrides it. */
  initialStep?: number;
}

/**
 * The paper's checkpoint steps w_j = ceil(p_j * steps) that lie inside the run, w_0 = 0 first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { autoPgdCheckpoints } from "./apgd.ts";
 * const checkpoints = autoPgdCheckpoints(100);
 * assert.deepEqual(checkpoints, [0, 22, 41, 57, 70, 80, 87, 93, 99]);
 * assert.ok(checkpoints.every((w, j) => j === 0 || w > checkpoints[j - 1])); // increasing
 * ```
 */
export function autoPgdCheckpoints(steps: number): number[] {
  const points = [0];
  let previous = 0;
  let current = 0.22;
  // Rounded first: 0.57 + 0.13 is 0.7000000000000001 in floats, and w must be 70, not 71.
  const at = (p: number) => Math.ceil(Math.round(p * steps * 1e9) / 1e9);
  while (at(current) <= steps) {
    const w = at(current);
    if (w > points.at(-1)!) points.push(w);
    const next = current + Math.max(current - previous - 0.03, 0.06);
    previous = current;
    current = next;
  }
  return points;
}

/** A schedule decision taken at a checkpoint. */
export interface AutoPgdEvent {
  /** Iteration k of the paper (0-based: the k-th point x^(k)). */
  iteration: number;
  /** Whether the step was halved and the run restarted from the best point. */
  halved: boolean;
  /** Step size from here on. */
  stepSize: number;
  /** Condition 1: too few improving steps since the last checkpoint. */
  fewImprovements: boolean;
  /** Condition 2: no halving last time and no new best since. */
  stalled: boolean;
}

/** Settings of the Auto-PGD update rule. */
export interface AutoPgdRuleOptions {
  /** Budget. */
  eps: number;
  /** Distance of the budget. */
  norm: Norm;
  /** Number of iterations N (sets the checkpoints). */
  steps: number;
  /** Initial step size (paper: 2 * eps). */
  stepSize: number;
  /** Momentum weight of the new step. */
  alpha: number;
  /** Improvement share threshold. */
  rho: number;
  /** Projection onto the budget. */
  project: (variable: tf.Tensor4D) => tf.Tensor4D;
  /** Called at each checkpoint with the decision taken. */
  onCheckpoint?: (event: AutoPgdEvent) => void;
}

/**
 * The Auto-PGD update as a step rule: called at iteration k with x^(k), its gradient and
 * its loss f(x^(k)), it returns x^(k+1).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { autoPgdRule } from "./apgd.ts";
 * await initBackend("wasm");
 * const eps = 1;
 * const project = (v: tf.Tensor4D) => tf.tidy(() => v.clipByValue(-eps, eps) as tf.Tensor4D);
 * const options = { eps, norm: "linf" as const, steps: 10, alpha: 0.75, rho: 0.75, project };
 * const rule = autoPgdRule({ ...options, stepSize: 2 * eps }); // the paper's first step
 * const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
 * const gradient = tf.fill([1, 2, 2, 1], 1) as tf.Tensor4D; // the loss grows with x
 * const next = rule.next(x, gradient, 5, 1); // a step of 2 * eps down, projected to -eps
 * assert.deepEqual(Array.from(next.dataSync()), [-1, -1, -1, -1]);
 * rule.dispose();
 * tf.dispose([x, gradient, next]);
 * ```
 */
export function autoPgdRule(options: AutoPgdRuleOptions): StepRule {
  const { alpha, rho, project, norm } = options;
  const checkpoints = autoPgdCheckpoints(options.steps);
  let stepSize = options.stepSize;
  let iteration = 0;
  let previous: tf.Tensor4D | undefined; // x^(k-1)
  let best: tf.Tensor4D | undefined;
  let bestLoss = Number.POSITIVE_INFINITY;
  let lastLoss = Number.NaN;
  let improvements = 0;
  let lastCheckpoint = 0;
  let halvedLast = false;
  let bestLossAtLast = Number.POSITIVE_INFINITY;
  const direction = (gradient: tf.Tensor4D) =>
    norm === "linf"
      ? tf.sign(gradient)
      : gradient.div(gradient.square().sum([1, 2, 3], true).sqrt().add(1e-12));

  return {
    next(x, gradient, loss) {
      const k = iteration++;
      if (k > lastCheckpoint && loss < lastLoss) improvements++;
      lastLoss = loss;
      if (loss < bestLoss || !best) {
        bestLoss = loss;
        best?.dispose();
        best = tf.clone(x);
      }
      if (k === 0) bestLossAtLast = bestLoss;
      if (k > 0 && checkpoints.includes(k)) {
        const fewImprovements = improvements < rho * (k - lastCheckpoint);
        const stalled = !halvedLast && bestLoss >= bestLossAtLast;
        const halved = fewImprovements || stalled;
        if (halved) stepSize /= 2;
        options.onCheckpoint?.({ iteration: k, halved, stepSize, fewImprovements, stalled });
        halvedLast = halved;
        bestLossAtLast = bestLoss;
        improvements = 0;
        lastCheckpoint = k;
        if (halved) {
          // x^(k+1) = the best point so far; the next move's momentum is measured from x^(k).
          previous?.dispose();
          previous = tf.clone(x);
          return tf.clone(best);
        }
      }
      const from = previous;
      const next = tf.tidy(() => {
        // Descend: the objective is low when no face is seen.
        const z = project(x.sub(direction(gradient).mul(stepSize)) as tf.Tensor4D);
        if (!from) return z;
        const moved = x.add(z.sub(x).mul(alpha)).add(x.sub(from).mul(1 - alpha));
        return project(moved as tf.Tensor4D);
      });
      previous?.dispose();
      previous = tf.clone(x);
      return next;
    },
    dispose() {
      previous?.dispose();
      best?.dispose();
    },
  };
}

/**
 * Runs Auto-PGD.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { loadWhiteBoxDetector } from "../detectors/registry.ts";
 * import { readImage } from "../image/decode.ts";
 * import { imageToTensor } from "../image/rgb_image.ts";
 * import { detectionObjective } from "./objective.ts";
 * import { Perturbation } from "./perturbation.ts";
 * import { apgd } from "./apgd.ts";
 * await initBackend("wasm");
 * const detector = await loadWhiteBoxDetector("blazeface-front");
 * const clean = imageToTensor(await readImage("data/dev/tom-cruise-2014-w128.jpg"));
 * const objective = detectionObjective([{ detector }]);
 * const perturbation = new Perturbation(clean.shape);
 * const result = await apgd({ clean, objective, perturbation }, { eps: 8, steps: 4, seed: 1 });
 * const change = tf.tidy(() => result.adversarial.sub(clean).abs().max().dataSync()[0]);
 * assert.ok(result.stepsRun === 4 && change <= 8); // within the L-inf budget, in grey levels
 * objective.dispose?.();
 * perturbation.dispose();
 * tf.dispose([clean, result.adversarial]);
 * ```
 */
export function apgd(problem: AttackProblem, options: AutoPgdOptions): Promise<AttackResult> {
  const norm = options.norm ?? "linf";
  const alpha = options.alpha ?? 0.75;
  const rho = options.rho ?? 0.75;
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`rho must be in (0, 1], got ${rho}`);
  const initialStep = options.initialStep ?? 2;
  if (!(initialStep > 0 && initialStep <= 4)) {
    throw new RangeError(`initialStep must be in (0, 4] times eps, got ${initialStep}`);
  }
  const stepSize = options.stepSize ?? initialStep * options.eps;
  return iterativeAttack(problem, {
    ...options,
    stepSize,
    randomStart: options.randomStart ?? true,
    stepRule: (perturbation) =>
      autoPgdRule({
        eps: options.eps,
        norm,
        steps: options.steps,
        stepSize,
        alpha,
        rho,
        project: (v) => perturbation.project(v, options.eps, norm),
      }),
  });
}
