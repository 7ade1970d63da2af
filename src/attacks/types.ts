/**
 * Shared types of the attack module: what an attack is given, what it returns, and the
 * options every attack understands.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Perturbation } from "./perturbation.ts";
import type { AdversarialView } from "./adversarial_view.ts";

/** Distance in which the budget `eps` is measured. */
export type Norm = "linf" | "l2";

/** Options shared by every attack. */
export interface AttackOptions {
  /** Budget: L-inf in 0..255 grey levels, or L2 over the 0..1 image. */
  eps: number;
  /** Number of gradient steps (FGSM always takes one). */
  steps: number;
  /** Step size in the same units as eps; each attack has its own default. */
  stepSize?: number;
  /** Distance of the budget (default "linf"). */
  norm?: Norm;
  /** Start from a uniformly random point inside the budget. */
  randomStart?: boolean;
  /** Seed for every random choice the attack makes. */
  seed?: number;
  /**
   * Ghost networks (model augmentation, Li et al. AAAI 2020): each step differentiates the
   * attacked detectors with dropout erosion at this rate on every intermediate feature map,
   * in [0, 1) (src/models/ghost_erosion.ts). Needs an objective that can erode (setGhost).
   */
  ghostDropout?: number;
  /** Ghost networks: residual identity inputs scaled by a random factor in [1 - r, 1 + r], r in [0, 1). */
  ghostSkip?: number;
  /** Scale diversity: each step the detectors see the photo rescaled by [1 - s, 1 + s], s in [0, 1). */
  augmentScale?: number;
  /** Translation diversity: each step the photo is shifted by up to this share of its side (0..0.5). */
  augmentShift?: number;
  /** Probability a step gets the scale and translation transform (default 1). */
  augmentProb?: number;
  /**
   * Perturbation resolutions: the variable is the sum of this many variables, each at half
   * the resolution of the one before (1..6; default 1), each with eps / levels of an L-inf budget.
   */
  levels?: number;
  /**
   * Visibility refinement: once a check finds no face, this many further steps make the
   * change less visible while keeping every face hidden (visibility_refine.ts; default 0).
   */
  refineSteps?: number;
  /** Refinement: share of the perturbation removed per step in flat regions (default 0.05). */
  refineDecay?: number;
  /** Refinement: largest push per step along the detectors' gradient (default 0.5). */
  refineStepSize?: number;
  /** Refinement: decay in the busiest regions as a share of that in flat ones (default 0). */
  refineTextureShare?: number;
  /** Refinement: check every this many steps (default: the checkpoint's own interval). */
  refineCheckEvery?: number;
  /**
   * After refinement, at most this many checks of the kept change scaled down as a whole,
   * the smallest scale that still hides every face kept (boundary_scale.ts; default 0).
   */
  refineShrinkChecks?: number;
  /**
   * After the boundary search, at most this many checks of the change cut back block by block,
   * the costliest blocks first, each cut kept while every face stays hidden (region_shrink.ts;
   * default 0).
   */
  refineRegionChecks?: number;
  /**
   * Stop the attack (before any refinement) after this many checks in a row that find no fewer
   * faces than the best candidate so far (default 0: never). A budget ladder uses it below its
   * ceiling, where a budget that has stopped gaining hands over to the next one sooner.
   */
  stallChecks?: number;
}

/** The loss an attack minimises: low when no detector sees a face. */
export interface Objective {
  /** Scalar loss of the adversarial photo, read through a view at the sizes it needs; differentiable. */
  loss(view: AdversarialView, step: number): tf.Scalar;
  /**
   * Optional work before a step that cannot happen inside the gradient tape, such as
   * sending the current photo through a real JPEG encoder. Gets the 8-bit candidate.
   */
  prepare?(candidate: tf.Tensor4D, step: number): Promise<void>;
  /**
   * The part of the last loss() computed on worker threads, which is known only once its
   * gradient is back (inside loss() it counts as 0): add it to loss()'s value. Waits for
   * the workers if the gradient was not taken.
   */
  remoteLoss?(): number;
  /** Releases anything prepare() kept. */
  dispose?(): void;
  /**
   * Model augmentation: erode the detectors with a fresh ghost network per step and member,
   * drawn from `seed`, until called with undefined (src/models/ghost_erosion.ts). Throws when
   * a detector has no ghost hook.
   */
  setGhost?(ghost: { dropout: number; skip: number; seed: number } | undefined): void;
}

/**
 * Called every `every` steps with the current 8-bit candidate. It answers either whether to
 * stop (a boolean), or how many faces are still found on it (a number; 0 stops): then the
 * attack returns the best candidate it checked (fewest faces, then lowest loss), not the last.
 */
export interface Checkpoint {
  /** How often (in steps) to check. */
  every: number;
  /** Check at these steps (and the last) instead (e.g. a sweep's step counts). */
  at?: number[];
  /**
   * Judges the quantised candidate, e.g. by encoding it and running the detectors. The
   * candidate belongs to the attack loop (it may become the result): do not dispose it.
   * `above`: the caller needs the exact count only up to this many faces (it keeps a
   * candidate that found that many or fewer); a count may stop at any number above it.
   */
  check(candidate: tf.Tensor4D, step: number, above?: number): Promise<boolean | number>;
}

/** Everything an attack needs besides its options. */
export interface AttackProblem {
  /** Clean images [batch, H, W, 3], 0..255 floats holding whole numbers. */
  clean: tf.Tensor4D;
  /** What to minimise. */
  objective: Objective;
  /** How the perturbation is parametrised (resolution, mask). */
  perturbation: Perturbation;
  /** Optional early stop on the quantised result. */
  checkpoint?: Checkpoint;
  /** Ends the loop after the current step when aborted (the caller decides what that means). */
  signal?: AbortSignal;
  /** Progress callback: step number and loss. */
  onStep?: (step: number, loss: number) => void;
  /**
   * Starting variable (e.g. the result of a smaller budget), projected into this budget;
   * replaces the random start. The attack does not dispose it.
   */
  start?: tf.Tensor4D;
  /** Return the variable of the result too (`AttackResult.variable`), e.g. to warm-start. */
  keepVariable?: boolean;
}

/** What an attack returns. */
export interface AttackResult {
  /** Adversarial images [batch, H, W, 3], quantised to whole numbers 0..255. */
  adversarial: tf.Tensor4D;
  /** Steps actually taken (fewer than asked when a checkpoint stopped it). */
  stepsRun: number;
  /** Loss after the last step. */
  finalLoss: number;
  /** True when a checkpoint reported success. */
  stoppedEarly: boolean;
  /** Faces the checkpoint found on the returned candidate, when it counts faces. */
  facesLeft?: number;
  /** Step whose candidate was returned (the best checked one, when the checkpoint counts faces). */
  resultStep?: number;
  /** The attack variable of the returned candidate, when `keepVariable` was asked; caller disposes. */
  variable?: tf.Tensor4D;
}

/** An attack: a function of the problem and its options. */
export type Attack<O extends AttackOptions = AttackOptions> = (
  problem: AttackProblem,
  options: O,
) => Promise<AttackResult>;
