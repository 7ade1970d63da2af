/**
 * Boundary search along a protected change: the whole change scaled down, as far as the
 * checks still find no face. Visibility refinement stops where its decay and its push
 * along the detectors' gradient balance, which often leaves margin: on 38 of 40 protected
 * development photos a change scaled to 0.77-0.98 of the refined one (most 0.95-0.98) still
 * hid every face on the file and after JPEG q75, and PSNR rises by 20 log10(1 / scale) dB.
 * It is the last step of minimum-norm attacks such as Carlini and Wagner's (2017) search over
 * the constant, along one direction and with the real checks (quantised file, JPEG copy) as
 * the oracle.
 */

/** The first scale checked. */
export const BOUNDARY_FIRST = 0.9;
/** While no check has found a face, each next scale is this share of the last. */
export const BOUNDARY_FACTOR = 0.8;
/**
 * The search stops once a protected and an unprotected scale are this close: 1/80. At 0.05
 * the search stopped at 0.95 when 0.9 failed; going on to 0.925 and 0.9375 (6 checks, not 4)
 * raised SSIM on 31 development photos and lowered it on none (4 below 0.95 instead of 5,
 * `results/protection/dev-boundary-fine/` against `dev-stall-2-alone/`).
 */
export const BOUNDARY_RESOLUTION = 0.0125;

/**
 * Checks at most `checks` scales of a protected change (scale 1): from BOUNDARY_FIRST down
 * by BOUNDARY_FACTOR while each is protected, then by bisection between the smallest
 * protected and the largest unprotected scale. Returns the smallest protected scale found
 * (1 when none below it was). `isProtected` runs the real check at that scale.
 */
export async function boundaryScale(
  isProtected: (scale: number) => Promise<boolean>,
  checks: number,
  signal?: AbortSignal,
): Promise<number> {
  if (!(Number.isInteger(checks) && checks >= 0)) {
    throw new RangeError(`boundary checks must be a whole number >= 0, got ${checks}`);
  }
  let protectedAt = 1;
  let failedAt = 0;
  let scale = BOUNDARY_FIRST;
  for (let i = 0; i < checks && protectedAt - failedAt > BOUNDARY_RESOLUTION; i++) {
    if (signal?.aborted) break;
    if (await isProtected(scale)) protectedAt = scale;
    else failedAt = scale;
    scale = failedAt > 0 ? (failedAt + protectedAt) / 2 : protectedAt * BOUNDARY_FACTOR;
  }
  return protectedAt;
}
