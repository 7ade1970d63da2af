/**
 * The report's note on a change a person is likely to see. Protection is judged on the
 * file, so a photo can be fully protected and still look altered; a person should hear it
 * from the report, with the one remedy that works: small photos need larger changes, so a
 * larger copy of the same photo, protected instead, usually looks untouched.
 */

/** SSIM outside the badge below which the report calls the change visible (issue 14's floor). */
export const VISIBLE_SSIM = 0.95;
/**
 * Short side (px) below which the note suggests a larger copy. On the development set the
 * photos from 300 px had a median SSIM of 0.988, those below 0.963, and the same portraits
 * resized went from 0.937 at 128 px to 0.976 at 384 px (`results/protection/dev-remeasure-alone/`).
 */
export const SMALL_PHOTO_SIDE = 300;

/** The note for a protected photo's SSIM and size, or undefined when the change is not visible. */
export function visibilityNote(ssim: number, width: number, height: number): string | undefined {
  if (!Number.isFinite(ssim) || ssim >= VISIBLE_SSIM) return undefined;
  const seen = `the change may be visible: SSIM ${ssim.toFixed(3)} outside the badge ` +
    `(below ${VISIBLE_SSIM})`;
  if (Math.min(width, height) >= SMALL_PHOTO_SIDE) return seen;
  return `${seen}; small photos need larger changes, so if you have a larger copy ` +
    `(${SMALL_PHOTO_SIDE} px or more on the short side), protect that one instead`;
}
