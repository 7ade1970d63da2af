/**
 * The loop every gradient attack here shares: optional random start (or a given start),
 * a gradient of the objective with respect to the perturbation variable, optional input
 * diversity, gradient smoothing and momentum, a signed (L-inf) or normalised (L2) step
 * (or an attack's own step rule), projection back into the budget, progress, and early
 * stopping on the quantised image. When the checkpoint counts faces, the best checked
 * iterate is returned, not the last.
 *
 * Each named attack (fgsm.ts, pgd.ts, ...) is this loop with its paper's settings.
 */
import * as tf from "@tensorflow/tfjs";
import { type Random, seededRandom } from "../random.ts";
import type { AttackOptions, AttackProblem, AttackResult } from "./types.ts";
import { type AdversarialView, adversarialView, CleanResizes } from "./adversarial_view.ts";
import { quantizedCandidate } from "./quantized_candidate.ts";
import { BestIterate, type CheckedIterate } from "./best_iterate.ts";
import { VisibilityRefiner } from "./visibility_refine.ts";
import { boundaryScale } from "./boundary_scale.ts";
import { REGION_GRID, regionMap, regionScales } from "./region_shrink.ts";
import { releasedValueAndGrad } from "./released_value_and_grad.ts";
import type { Perturbation } from "./perturbation.ts";
import {
  applyAugment,
  type AugmentOptions,
  drawAugment,
  validateAugment,
} from "./input_augment.ts";
import { validateRate } from "../models/ghost_erosion.ts";

/**
 * An attack's own update, replacing the loop's fixed signed step (Auto-PGD's schedule).
 * Made fresh for each run: it may keep state between steps.
 */
export interface StepRule {
  /** The next variable, inside the budget, from the current one, its gradient and loss. */
  next(variable: tf.Tensor4D, gradient: tf.Tensor4D, loss: number, step: number): tf.Tensor4D;
  /** Releases what the rule kept. */
  dispose(): void;
}

/** The loop's knobs: the shared options plus the hooks that distinguish the attacks. */
export interface IterativeConfig extends AttackOptions {
  /** Step size (required here; each attack sets its default). */
  stepSize: number;
  /** Momentum decay (MI-FGSM); 0 or undefined means none. */
  momentum?: number;
  /** Transforms what the detectors see, at their resolution (DI-FGSM). */
  inputTransform?: (images: tf.Tensor4D, random: Random) => tf.Tensor4D;
  /** Transforms the gradient before the step (TI-FGSM smoothing). */
  gradientTransform?: (gradient: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Makes the update rule of one run, for the parametrisation the loop uses (the problem's,
   * or its multi-resolution version with `levels`); default: signed (L-inf) or normalised
   * (L2) steps.
   */
  stepRule?: (perturbation: Perturbation) => StepRule;
}

/** Refinement stops once a check's protected candidate costs less than this share below the last. */
const REFINE_PLATEAU = 0.02;

/**
 * Runs the shared attack loop.
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
 * import { iterativeAttack } from "./iterative.ts";
 * await initBackend("wasm");
 * const detector = await loadWhiteBoxDetector("blazeface-front");
 * const clean = imageToTensor(await readImage("data/dev/tom-cruise-2014-w128.jpg"));
 * const objective = detectionObjective([{ detector }]);
 * const perturbation = new Perturbation(clean.shape);
 * // Three signed steps of 2 grey levels within an L-inf budget of 8 (BIM's settings).
 * const config = { eps: 8, steps: 3, stepSize: 2 };
 * const result = await iterativeAttack({ clean, objective, perturbation }, config);
 * const change = tf.tidy(() => result.adversarial.sub(clean).abs().max().dataSync()[0]);
 * assert.ok(result.stepsRun === 3 && change <= 8);
 * objective.dispose?.();
 * perturbation.dispose();
 * tf.dispose([clean, result.adversarial]);
 * ```
 */
export async function iterativeAttack(
  problem: AttackProblem,
  config: IterativeConfig,
): Promise<AttackResult> {
  validate(config);
  const augment = augmentOptions(config);
  const ghost = ghostRates(config);
  const norm = config.norm ?? "linf";
  const seed = config.seed ?? 0;
  const random = seededRandom(seed);
  const { objective } = problem;
  if (ghost && !objective.setGhost) {
    throw new RangeError("ghostDropout and ghostSkip need an objective that erodes its detectors");
  }
  const levels = config.levels ?? 1;
  const perturbation = levels > 1 ? problem.perturbation.withLevels(levels) : problem.perturbation;
  const ownPerturbation = perturbation !== problem.perturbation;
  const local: AttackProblem = { ...problem, perturbation };
  const start = problem.start;
  // Before the variable: a rule holds no tensors yet, so one that fails to build leaks nothing.
  let rule: StepRule | undefined;
  let variable: tf.Tensor4D;
  try {
    if (start && start.shape.join() !== perturbation.variableShape.join()) {
      throw new RangeError(
        `start variable [${start.shape}] does not fit the perturbation [${perturbation.variableShape}] (levels?)`,
      );
    }
    if (ghost) objective.setGhost!({ ...ghost, seed });
    rule = config.stepRule?.(perturbation);
    variable = start
      ? perturbation.project(start, config.eps, norm)
      : config.randomStart
      ? perturbation.randomStart(config.eps, norm, random.seed())
      : tf.zeros(perturbation.variableShape);
  } catch (error) {
    rule?.dispose();
    if (ghost) objective.setGhost!(undefined);
    if (ownPerturbation) perturbation.dispose();
    throw error;
  }
  let velocity: tf.Tensor4D | undefined;
  let finalLoss = Number.NaN;
  let stepsRun = 0;
  let stoppedEarly = false;
  const best = new BestIterate();

  const cleanResizes = new CleanResizes(problem.clean);
  const lossOf = (v: tf.Tensor, step: number) => {
    // One geometry per step for every detector, drawn outside tidy (plain JS).
    const draw = augment ? drawAugment(random, augment) : undefined;
    return tf.tidy(() => {
      const view = adversarialView(cleanResizes, perturbation, v as tf.Tensor4D);
      const transform = config.inputTransform;
      const seen: AdversarialView = transform || draw
        ? {
          ...view,
          resized: (h, w) => {
            const own = transform ? transform(view.resized(h, w), random) : view.resized(h, w);
            return draw ? applyAugment(own, draw) : own;
          },
        }
        : view;
      return objective.loss(seen, step);
    });
  };

  // The quantised photo of the current variable, made once per variable: a checkpoint's
  // candidate serves the next step's prepare and the final result too.
  let candidate: { of: tf.Tensor4D; image: tf.Tensor4D } | undefined;
  const candidateOf = (): tf.Tensor4D => {
    if (candidate?.of !== variable) {
      candidate?.image.dispose();
      candidate = { of: variable, image: quantizedCandidate(local, variable) };
    }
    return candidate.image;
  };

  // One step's gradient at the current variable, shared by the main and refinement loops:
  // the real channel's prepare (BPDA) first, then the loss (kept in finalLoss) and gradient.
  const lossAndGradient = async (step: number): Promise<tf.Tensor4D> => {
    if (objective.prepare) {
      await objective.prepare(candidateOf(), step);
      // The variable changes next: this candidate is not needed again.
      candidate?.image.dispose();
      candidate = undefined;
    }
    const { value, grad } = releasedValueAndGrad((v) => lossOf(v, step), variable);
    try {
      finalLoss = (await value.data())[0] + (objective.remoteLoss?.() ?? 0);
    } catch (error) {
      grad.dispose();
      throw error;
    } finally {
      value.dispose();
    }
    return grad as tf.Tensor4D;
  };

  // Visibility refinement (visibility_refine.ts) from a protected iterate: the loop's
  // variable continues from it; the checked candidate with no face and the lowest visibility
  // cost is returned, `kept` itself when none is lower.
  const refine = async (
    kept: CheckedIterate,
    checkpoint: NonNullable<AttackProblem["checkpoint"]>,
  ): Promise<CheckedIterate> => {
    let refiner: VisibilityRefiner;
    try {
      refiner = new VisibilityRefiner(problem.clean, perturbation, {
        eps: config.eps,
        norm,
        stepSize: config.refineStepSize,
        decay: config.refineDecay,
        textureShare: config.refineTextureShare,
      });
    } catch (error) {
      tf.dispose([kept.image, kept.variable]);
      throw error;
    }
    const refined = new BestIterate();
    try {
      refined.offer({ ...kept, loss: refiner.cost(kept.variable) });
      tf.dispose([kept.image, kept.variable]);
      const every = config.refineCheckEvery ?? checkpoint.every;
      candidate?.image.dispose();
      candidate = undefined;
      variable.dispose();
      variable = tf.clone(refined.peek()!.variable);
      for (let r = 1; r <= config.refineSteps!; r++) {
        const step = stepsRun + 1;
        const gradient = await lossAndGradient(step);
        let next: tf.Tensor4D;
        try {
          next = refiner.next(variable, gradient);
        } finally {
          gradient.dispose();
        }
        variable.dispose();
        variable = next;
        stepsRun = step;
        problem.onStep?.(step, finalLoss);
        if (problem.signal?.aborted) break;
        if (r % every === 0 || r === config.refineSteps) {
          // Only "none" or "some" matters here: the count may stop at the first face.
          const verdict = await checkpoint.check(candidateOf(), step, 0);
          if (verdict === true || verdict === 0) {
            const before = refined.peek()!.loss;
            const cost = refiner.cost(variable);
            refined.offer({ image: candidateOf(), variable, faces: 0, loss: cost, step });
            // Converged: another round of steps would buy less than 2% of the cost.
            if (cost > before * (1 - REFINE_PLATEAU)) break;
          } else {
            // A face came back: decay gentler from here on. The push along the detectors'
            // gradient hides it again within the next round, and that round keeps what this
            // one gained elsewhere; going back to the best iterate threw whole rounds away.
            refiner.backOff();
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (!problem.signal?.aborted) await shrink(refined, refiner, checkpoint);
      if (!problem.signal?.aborted) await cutRegions(refined, refiner, checkpoint);
      return refined.take()!;
    } finally {
      refined.dispose();
      refiner.dispose();
    }
  };

  // A smaller version of the kept change (its own tensor) becomes the iterate and is checked;
  // when it hides every face it is offered to `refined`, where it costs less than the kept one.
  const checkSmaller = async (
    refined: BestIterate,
    refiner: VisibilityRefiner,
    checkpoint: NonNullable<AttackProblem["checkpoint"]>,
    smaller: tf.Tensor4D,
  ): Promise<boolean> => {
    candidate?.image.dispose();
    candidate = undefined;
    variable.dispose();
    variable = smaller;
    const verdict = await checkpoint.check(candidateOf(), stepsRun, 0);
    const hidden = verdict === true || verdict === 0;
    if (hidden) {
      const cost = refiner.cost(variable);
      refined.offer({ image: candidateOf(), variable, faces: 0, loss: cost, step: stepsRun });
    }
    return hidden;
  };

  // Boundary search (boundary_scale.ts) along the refined change: each protected scale's
  // candidate is offered, and costs less than the one before.
  const shrink = async (
    refined: BestIterate,
    refiner: VisibilityRefiner,
    checkpoint: NonNullable<AttackProblem["checkpoint"]>,
  ) => {
    const checks = config.refineShrinkChecks ?? 0;
    if (checks === 0) return;
    const base = tf.clone(refined.peek()!.variable);
    try {
      await boundaryScale(
        (scale) =>
          checkSmaller(refined, refiner, checkpoint, tf.tidy(() => base.mul(scale)) as tf.Tensor4D),
        checks,
        problem.signal,
      );
    } finally {
      base.dispose();
    }
  };

  // Region search (region_shrink.ts) after the boundary search: blocks of the kept change cut
  // back, the costliest first; each protected cut's candidate is offered.
  const cutRegions = async (
    refined: BestIterate,
    refiner: VisibilityRefiner,
    checkpoint: NonNullable<AttackProblem["checkpoint"]>,
  ) => {
    const checks = config.refineRegionChecks ?? 0;
    if (checks === 0) return;
    const base = tf.clone(refined.peek()!.variable);
    const [, h, w] = base.shape;
    const scaled = (scales: readonly number[]) =>
      tf.tidy(() => base.mul(tf.tensor4d(regionMap(scales, h, w), [1, h, w, 1]))) as tf.Tensor4D;
    try {
      const costs = Array.from({ length: REGION_GRID * REGION_GRID }, (_, block) => {
        const only = Array.from(
          { length: REGION_GRID * REGION_GRID },
          (_, b) => b === block ? 1 : 0,
        );
        const part = scaled(only);
        try {
          return refiner.cost(part);
        } finally {
          part.dispose();
        }
      });
      await regionScales(
        costs,
        (scales) => checkSmaller(refined, refiner, checkpoint, scaled(scales)),
        checks,
        problem.signal,
      );
    } finally {
      base.dispose();
    }
  };

  // Whatever a step throws (a detector, a worker, a check), nothing made here outlives the
  // call: in the server's long-lived worker every leaked step would stay for good.
  let handedOver = false;
  let stalls = 0;
  try {
    for (let step = 1; step <= config.steps; step++) {
      let gradient = await lossAndGradient(step);
      let next: tf.Tensor4D;
      try {
        if (config.gradientTransform) {
          const transform = config.gradientTransform;
          const g = gradient;
          // A multi-resolution gradient is transformed level by level, each an image.
          const transformed = levels > 1
            ? tf.tidy(() => perturbation.pack(perturbation.unpack(g).map(transform)))
            : transform(gradient);
          gradient.dispose();
          gradient = transformed;
        }
        if (config.momentum) {
          const g = gradient;
          const accumulated = tf.tidy(() => {
            // Dong et al.: accumulate the L1-normalised gradient.
            const normalised = g.div(g.abs().mean([1, 2, 3], true).add(1e-12));
            return velocity ? velocity.mul(config.momentum!).add(normalised) : normalised;
          }) as tf.Tensor4D;
          velocity?.dispose();
          velocity = accumulated;
          gradient.dispose();
          gradient = tf.clone(accumulated);
        }
        const g = gradient;
        next = rule ? rule.next(variable, g, finalLoss, step) : tf.tidy(() => {
          const direction = norm === "linf"
            ? tf.sign(g)
            : g.div(g.square().sum([1, 2, 3], true).sqrt().add(1e-12));
          // Descend: the objective is low when no face is seen.
          const stepped = variable.sub(direction.mul(config.stepSize)) as tf.Tensor4D;
          return perturbation.project(stepped, config.eps, norm);
        });
      } finally {
        gradient.dispose();
      }
      variable.dispose();
      variable = next;
      stepsRun = step;
      problem.onStep?.(step, finalLoss);
      if (problem.signal?.aborted) break;

      const checkpoint = problem.checkpoint;
      const due = checkpoint &&
        (checkpoint.at
          ? checkpoint.at.includes(step) || step === config.steps
          : step % checkpoint.every === 0 || step === config.steps);
      if (checkpoint && due) {
        // A candidate with more faces than the best so far is not kept, however many more.
        const bestFaces = best.peek()?.faces;
        const verdict = await checkpoint.check(candidateOf(), step, bestFaces);
        if (typeof verdict === "number") {
          best.offer({ image: candidateOf(), variable, faces: verdict, loss: finalLoss, step });
        }
        if (verdict === true || verdict === 0) {
          stoppedEarly = true;
          break;
        }
        // No fewer faces than the best so far: this run is stalling (see stallChecks).
        if (typeof verdict === "number" && bestFaces !== undefined) {
          stalls = verdict >= bestFaces ? stalls + 1 : 0;
          if (config.stallChecks && stalls >= config.stallChecks) break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 0)); // keep servers and signals responsive
    }
    let kept = best.take();
    if (kept && kept.faces === 0 && config.refineSteps && problem.checkpoint) {
      kept = await refine(kept, problem.checkpoint);
    }
    if (kept) {
      if (!problem.keepVariable) kept.variable.dispose();
      return {
        adversarial: kept.image,
        stepsRun,
        finalLoss,
        stoppedEarly,
        facesLeft: kept.faces,
        resultStep: kept.step,
        ...(problem.keepVariable ? { variable: kept.variable } : {}),
      };
    }
    const adversarial = candidateOf();
    candidate = undefined; // the caller owns it
    handedOver = problem.keepVariable === true;
    return {
      adversarial,
      stepsRun,
      finalLoss,
      stoppedEarly,
      resultStep: stepsRun,
      ...(problem.keepVariable ? { variable } : {}),
    };
  } finally {
    if (ghost) objective.setGhost!(undefined);
    if (ownPerturbation) perturbation.dispose();
    rule?.dispose();
    velocity?.dispose();
    cleanResizes.dispose();
    best.dispose();
    candidate?.image.dispose();
    if (!handedOver) variable.dispose();
  }
}

// The scale and translation transform the options ask for; undefined when they ask none.
function augmentOptions(config: IterativeConfig): AugmentOptions | undefined {
  const { augmentScale, augmentShift, augmentProb } = config;
  if (augmentScale === undefined && augmentShift === undefined && augmentProb === undefined) {
    return undefined;
  }
  const options = { scale: augmentScale ?? 0, shift: augmentShift ?? 0, prob: augmentProb ?? 1 };
  validateAugment(options);
  return options.scale === 0 && options.shift === 0 ? undefined : options;
}

// The erosion rates the options ask for; undefined when they ask none.
function ghostRates(config: IterativeConfig): { dropout: number; skip: number } | undefined {
  const { ghostDropout, ghostSkip } = config;
  if (ghostDropout === undefined && ghostSkip === undefined) return undefined;
  validateRate("ghostDropout", ghostDropout ?? 0);
  validateRate("ghostSkip", ghostSkip ?? 0);
  const rates = { dropout: ghostDropout ?? 0, skip: ghostSkip ?? 0 };
  return rates.dropout === 0 && rates.skip === 0 ? undefined : rates;
}

function validate(config: IterativeConfig): void {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new RangeError(message);
  };
  check(
    Number.isFinite(config.eps) && config.eps > 0,
    `eps must be a positive number, got ${config.eps}`,
  );
  check(
    Number.isInteger(config.steps) && config.steps >= 1,
    `steps must be a whole number >= 1, got ${config.steps}`,
  );
  check(
    Number.isFinite(config.stepSize) && config.stepSize > 0,
    `stepSize must be a positive number, got ${config.stepSize}`,
  );
  check(
    config.norm === undefined || config.norm === "linf" || config.norm === "l2",
    `norm must be "linf" or "l2", got ${config.norm}`,
  );
  check(
    config.momentum === undefined || (config.momentum >= 0 && config.momentum <= 10),
    `momentum must be between 0 and 10, got ${config.momentum}`,
  );
  check(
    config.refineSteps === undefined ||
      (Number.isInteger(config.refineSteps) && config.refineSteps >= 0 &&
        config.refineSteps <= 10_000),
    `refineSteps must be a whole number from 0 to 10000, got ${config.refineSteps}`,
  );
  check(
    !config.refineSteps || (config.levels ?? 1) === 1,
    `refinement (refineSteps) needs a single-resolution perturbation, got levels ${config.levels}`,
  );
  check(
    config.refineShrinkChecks === undefined ||
      (Number.isInteger(config.refineShrinkChecks) && config.refineShrinkChecks >= 0 &&
        config.refineShrinkChecks <= 20),
    `refineShrinkChecks must be a whole number from 0 to 20, got ${config.refineShrinkChecks}`,
  );
  check(
    config.refineRegionChecks === undefined ||
      (Number.isInteger(config.refineRegionChecks) && config.refineRegionChecks >= 0 &&
        config.refineRegionChecks <= 128),
    `refineRegionChecks must be a whole number from 0 to 128, got ${config.refineRegionChecks}`,
  );
  check(
    config.stallChecks === undefined ||
      (Number.isInteger(config.stallChecks) && config.stallChecks >= 0 &&
        config.stallChecks <= 100),
    `stallChecks must be a whole number from 0 to 100, got ${config.stallChecks}`,
  );
  check(
    config.refineCheckEvery === undefined ||
      (Number.isInteger(config.refineCheckEvery) && config.refineCheckEvery >= 1),
    `refineCheckEvery must be a whole number >= 1, got ${config.refineCheckEvery}`,
  );
  check(
    config.levels === undefined ||
      (Number.isInteger(config.levels) && config.levels >= 1 && config.levels <= 6),
    `levels must be a whole number from 1 to 6, got ${config.levels}`,
  );
}
