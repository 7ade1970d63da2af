/**
 * A second attempt for a protected photo whose change shows: when the first attempt hides
 * every face but leaves SSIM below a threshold, the photo is protected again along a finer
 * budget ladder, and whichever protected result changes the photo less is kept. A finer ladder
 * reaches the ceiling from a smaller change, carried on rung by rung, and on a tight close-up
 * that can leave less to see; it can also hand a photo to a higher rung sooner, so it is not
 * the ladder for every photo. Only photos whose change shows pay for it, and the result is
 * never worse than the first attempt's.
 */
import { ssim } from "../metrics/ssim.ts";
import { type PerturbOptions, perturbPhoto, type PerturbResult } from "./perturb_photo.ts";
import { UserError } from "../errors.ts";
import { budgetLadder } from "./budget_ladder.ts";
import type { RgbImage } from "../image/rgb_image.ts";

/** When the second attempt runs, and its ladder. */
export interface VisibleRetry {
  /** Run it when the protected photo's SSIM against the original is below this (0..1). */
  below: number;
  /** Ratio between the second attempt's budgets (above 1; finer than the first's). */
  ratio: number;
}

/** What the second attempt did, for the report. */
export interface RetryOutcome {
  /** SSIM of the first attempt's photo, as measured (the filter: the written file's). */
  ssimFirst: number;
  /** SSIM of the second's, or null when it left a face. */
  ssimSecond: number | null;
  /** Which attempt's photo was kept: the second only when it is protected and changed less. */
  kept: "first" | "second";
  /** Steps of the attempt not kept: the result's steps are its rungs' plus these. */
  discardedSteps: number;
}

/** A perturbation result, with the second attempt's outcome when one ran. */
export interface RetriedResult extends PerturbResult {
  /** Present when the second attempt ran. */
  retry?: RetryOutcome;
}

/** Checks the retry settings; throws a UserError naming the bad one. */
export function checkVisibleRetry(retry: VisibleRetry, firstRatio: number): void {
  if (!(retry.below > 0 && retry.below <= 1)) {
    throw new UserError(`visibleRetry.below must be in (0, 1], got ${retry.below}`);
  }
  if (!(retry.ratio > 1 && retry.ratio < firstRatio)) {
    throw new UserError(
      `visibleRetry.ratio must be above 1 and below the ladder's ratio ${firstRatio}, got ${retry.ratio}`,
    );
  }
}

/** SSIM of a perturbed photo as it will be judged (by default against the original as is). */
export type VisibilityMeasure = (perturbed: RgbImage) => Promise<number> | number;

/**
 * perturbPhoto, then, for a protected photo whose SSIM (`measure`: the filter passes the
 * written file's, outside the badge) is below `visibleRetry.below`, perturbPhoto again with the
 * ladder's ratio `visibleRetry.ratio`; the protected result with the higher SSIM is returned,
 * steps counted over both. `onRetry` is called when the second attempt starts; its steps reach
 * `options.onProgress` counted from 1 again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { readImage } from "../image/decode.ts";
 * import { PROTECT_DEFAULTS } from "./defaults.ts";
 * import { perturbWithRetry } from "./visible_retry.ts";
 * await initBackend("wasm");
 * const photo = await readImage("data/dev/aksel-andersson-w256.jpg");
 * // One cheap detector keeps this quick; the defaults attack the BlazeFace family.
 * const options = { ...PROTECT_DEFAULTS, detectors: ["blazeface-front"], steps: 40 };
 * const result = await perturbWithRetry(photo, options);
 * assert.equal(result.facesLeft, 0);
 * // A second attempt runs only where the change shows, and is kept only if it shows less.
 * if (result.retry?.kept === "second") assert.ok(result.retry.ssimSecond! > result.retry.ssimFirst);
 * ```
 */
export async function perturbWithRetry(
  image: RgbImage,
  options: PerturbOptions,
  onRetry?: () => void,
  measure: VisibilityMeasure = (perturbed) => ssim(image, perturbed),
): Promise<RetriedResult> {
  const { escalation, visibleRetry: retry } = options;
  if (retry && escalation) checkVisibleRetry(retry, escalation.ratio);
  const first = await perturbPhoto(image, options);
  if (!retry || !escalation || first.facesLeft !== 0 || first.stepsRun === 0) return first;
  const finer = { ...escalation, ratio: retry.ratio };
  const budgets = (ladder: typeof escalation) =>
    budgetLadder(options.eps, options.steps, ladder).map((rung) => rung.eps).join();
  // A ceiling so close to the start that both ratios give the same budgets: nothing to retry.
  if (budgets(finer) === budgets(escalation)) return first;
  const ssimFirst = await measure(first.image);
  if (ssimFirst >= retry.below) return first;
  onRetry?.();
  const second = await perturbPhoto(image, { ...options, escalation: finer });
  const ssimSecond = second.facesLeft === 0 ? await measure(second.image) : null;
  const kept = ssimSecond !== null && ssimSecond > ssimFirst ? "second" : "first";
  const [chosen, discarded] = kept === "second" ? [second, first] : [first, second];
  return {
    ...chosen,
    stepsRun: first.stepsRun + second.stepsRun,
    retry: { ssimFirst, ssimSecond, kept, discardedSteps: discarded.stepsRun },
  };
}
