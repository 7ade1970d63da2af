/**
 * Budget escalation: the budgets a protection tries, smallest first, up to a ceiling. A
 * person chooses how visible the change may be (the ceiling); the photo gets the smallest
 * budget of the ladder that hides every face, so easy photos are changed least and
 * finish soonest. Each rung warm-starts from the previous rung's best perturbation, so the
 * steps of a failed rung are not lost.
 */
import { UserError } from "../errors.ts";

/** One budget of the ladder and the steps it may take. */
export interface BudgetRung {
  /** L-inf budget in grey levels. */
  eps: number;
  /** Most steps at this budget (checks stop it early once the photo is protected). */
  steps: number;
}

/** How a ladder is built. */
export interface LadderOptions {
  /** Smallest budget tried (grey levels). */
  start: number;
  /** Each rung's budget is the previous one times this (> 1). */
  ratio: number;
  /** Most steps at each rung. */
  stepsPerRung: number;
  /**
   * Below the ceiling, leave a rung for the next after this many checks in a row that find no
   * fewer faces than its best so far (default 0: each rung runs its steps; see stallChecks in
   * AttackOptions and stallChecksAt in perturb_photo.ts).
   */
  stallChecks?: number;
}

/**
 * The rungs from `start` up to `ceiling`, multiplying by `ratio` (rounded to a quarter grey
 * level), the last rung exactly the ceiling (a budget closer to it than sqrt(ratio) is left
 * out). Each rung takes at most `stepsPerRung` steps
 * (fewer when `totalSteps` cannot give every rung that many; with fewer steps than budgets,
 * the smallest budgets are dropped); steps left of `totalSteps` go to the ceiling, where the
 * hardest photos end up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetLadder } from "./budget_ladder.ts";
 * import { PROTECT_DEFAULTS } from "./defaults.ts";
 * // The standard preset: a ceiling of 16 grey levels and 240 steps in all.
 * const rungs = budgetLadder(16, 240, PROTECT_DEFAULTS.escalation);
 * assert.deepEqual(rungs.map((rung) => rung.eps), [7.75, 10.75, 16]);
 * assert.deepEqual(rungs.map((rung) => rung.steps), [40, 40, 160]);
 * ```
 */
export function budgetLadder(
  ceiling: number,
  totalSteps: number,
  options: LadderOptions,
): BudgetRung[] {
  const { start, ratio, stepsPerRung } = options;
  if (!(ceiling > 0 && ceiling <= 64)) {
    throw new UserError(`the budget ceiling must be above 0 and at most 64, got ${ceiling}`);
  }
  if (!(start > 0) || !(ratio > 1) || !(Number.isInteger(stepsPerRung) && stepsPerRung >= 1)) {
    throw new RangeError(
      `ladder needs start > 0, ratio > 1 and whole stepsPerRung >= 1, got ${start}, ${ratio}, ${stepsPerRung}`,
    );
  }
  if (ceiling < start) {
    throw new UserError(
      `the budget ceiling ${ceiling} is below the smallest budget the ladder tries (${start})`,
    );
  }
  const budgets: number[] = [];
  // A budget within half a step (in ratio) of the ceiling is left out: the ceiling follows.
  for (let eps = start; eps * Math.sqrt(ratio) < ceiling; eps = Math.round(eps * ratio * 4) / 4) {
    budgets.push(eps);
  }
  budgets.push(ceiling);
  if (!(Number.isInteger(totalSteps) && totalSteps >= 1)) {
    throw new RangeError(`totalSteps must be a whole number >= 1, got ${totalSteps}`);
  }
  // Fewer steps than budgets: the smallest budgets are dropped, one step for each left.
  const tried = budgets.slice(-totalSteps);
  const each = Math.min(stepsPerRung, Math.floor(totalSteps / tried.length));
  const rungs = tried.map((eps) => ({ eps, steps: each }));
  rungs[rungs.length - 1].steps += totalSteps - each * tried.length;
  return rungs;
}
