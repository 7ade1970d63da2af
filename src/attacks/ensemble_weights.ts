/**
 * How the members of a detection ensemble are weighed against each other.
 *
 * - "off": each member's hinge loss times its weight, as given.
 * - "log": each member's term is log(1 + hinge) (see memberLoss): its gradient is divided
 *   by 1 + its loss, at every step.
 * - "adaptive": after Cai, Tan and Asif ("Ensemble-based Blackbox Attacks on Dense
 *   Prediction", CVPR 2023), each member's loss is divided by its value at the start of
 *   the attack, so a detector with many faces (a large loss, a large gradient) does not
 *   drown out one with a single face. Their attack then searches the weights by querying a
 *   victim; we have no victim to query, so the weights instead follow what is left: each
 *   step, a member's share is proportional to its normalised loss at the previous step
 *   (plus a small floor), so the push moves toward the detectors that still see faces.
 */
import { UserError } from "../errors.ts";

/** Ensemble balancing mode (see the module comment). */
export type BalanceMode = "off" | "log" | "adaptive";

/** Every balancing mode, for option parsing and messages. */
export const BALANCE_MODES: readonly BalanceMode[] = ["off", "log", "adaptive"];

/**
 * Share floor of the adaptive weights, relative to a normalised loss of 1: a member that
 * no detector face is left in keeps a little weight, so the step still holds its line when
 * its logits sit inside the margin (outside it, its hinge gradient is zero anyway).
 */
export const ADAPTIVE_FLOOR = 0.05;

/**
 * The mode from the objective's options: `balance` wins; the older `balanced: true`
 * means "log". Both at once, disagreeing, is a UserError; so is an unknown mode.
 */
export function balanceMode(options: { balance?: string; balanced?: boolean }): BalanceMode {
  const { balance, balanced } = options;
  if (balance !== undefined && !(BALANCE_MODES as readonly string[]).includes(balance)) {
    throw new UserError(`balance must be one of ${BALANCE_MODES.join(", ")}, got "${balance}"`);
  }
  const fromOld: BalanceMode | undefined = balanced === undefined
    ? undefined
    : balanced
    ? "log"
    : "off";
  if (balance !== undefined && fromOld !== undefined && balance !== fromOld) {
    throw new UserError(
      `balance "${balance}" contradicts balanced: ${balanced} (its old form); give only balance`,
    );
  }
  return (balance as BalanceMode | undefined) ?? fromOld ?? "off";
}

/**
 * Checks the members' weights: each a finite number >= 0, not all zero. Throws a one-line
 * UserError naming the detector and the value.
 */
export function validateWeights(weights: readonly { id: string; weight?: number }[]): void {
  for (const { id, weight } of weights) {
    if (weight !== undefined && !(Number.isFinite(weight) && weight >= 0)) {
      throw new UserError(`weight of ${id} must be a number >= 0, got ${weight}`);
    }
  }
  if (weights.length > 0 && weights.every((w) => (w.weight ?? 1) === 0)) {
    throw new UserError(
      `weights are all zero (${
        weights.map((w) => w.id).join(", ")
      }); at least one detector needs a positive weight`,
    );
  }
}

/**
 * The adaptive weights of one ensemble over an attack: give it each step's raw member
 * losses (`observe`) and it gives the multipliers of the next step's losses (`multipliers`)
 * and the objective's reported value (`value`), which uses the fixed normalisation only,
 * so values of different steps stay comparable (Auto-PGD and the best-iterate choice
 * compare them) while the gradient follows the moving weights.
 */
export class AdaptiveWeights {
  readonly #base: readonly number[];
  #normalisers?: number[];
  #last?: number[];

  /** Weights as given (each >= 0, see validateWeights). */
  constructor(base: readonly number[]) {
    this.#base = base;
  }

  /**
   * Multipliers of the raw member losses for the next step. Before any loss is known (the
   * first step) they are the given weights: the normalisers come from that step's losses.
   */
  multipliers(): number[] {
    const last = this.#last;
    const n = this.#normalisers;
    if (!last || !n) return [...this.#base];
    const total = this.#base.reduce((a, b) => a + b, 0);
    const wanted = this.#base.map((b, i) => b * (last[i] / n[i] + ADAPTIVE_FLOOR));
    const sum = wanted.reduce((a, b) => a + b, 0);
    // The shares sum to the weights' total: with equal normalised losses, member i's
    // multiplier is its weight over its normaliser.
    return wanted.map((w, i) => sum > 0 ? (w / sum) * total / n[i] : this.#base[i] / n[i]);
  }

  /**
   * Records one step's raw member losses (unweighted hinge values). The first positive
   * value of each member becomes its normaliser; a member that sees nothing at the start
   * borrows the smallest normaliser of the others (or 1), so a face it finds later cannot
   * weigh more than the most sensitive member's.
   */
  observe(raw: readonly number[]): void {
    if (!this.#normalisers) {
      const positive = raw.filter((v) => v > 0);
      const fallback = positive.length ? Math.min(...positive) : 1;
      this.#normalisers = raw.map((v) => v > 0 ? v : fallback);
    }
    this.#last = [...raw];
  }

  /** The fixed-normalisation value of raw member losses: sum of weight x loss / normaliser. */
  value(raw: readonly number[]): number {
    const n = this.#normalisers;
    return raw.reduce((total, v, i) => total + this.#base[i] * v / (n ? n[i] : 1), 0);
  }
}
