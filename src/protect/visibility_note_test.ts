/** The visibility note: said below the SSIM floor only, with the larger-copy advice on small photos. */
import assert from "node:assert/strict";
import { SMALL_PHOTO_SIDE, visibilityNote, VISIBLE_SSIM } from "./visibility_note.ts";

Deno.test("visibility note: below the floor only, the larger-copy advice below 300 px", () => {
  const cases: [number, number, number, RegExp | undefined][] = [
    // At or above the floor: nothing to say.
    [VISIBLE_SSIM, 128, 128, undefined],
    [0.99, 1920, 1280, undefined],
    // Below it on a small photo: the value, and the larger copy.
    [0.9369, 128, 182, /^the change may be visible: SSIM 0\.937 .*larger copy \(300 px/],
    // The short side decides: 299 px is small, 300 px is not.
    [0.94, SMALL_PHOTO_SIDE - 1, 1000, /larger copy/],
    [
      0.94,
      1000,
      SMALL_PHOTO_SIDE,
      /^the change may be visible: SSIM 0\.940 outside the badge \(below 0\.95\)$/,
    ],
    // No SSIM measured (no perturbation layer): nothing.
    [Number.NaN, 128, 128, undefined],
  ];
  for (const [ssim, width, height, expected] of cases) {
    const note = visibilityNote(ssim, width, height);
    if (expected === undefined) assert.equal(note, undefined, `${ssim} ${width}x${height}`);
    else assert.match(note ?? "", expected, `${ssim} ${width}x${height}`);
  }
});
