/**
 * Distortion-compensated QIM for the code on small photos: each coefficient moves 0.7 of the
 * way to its lattice point, which costs about half the squared change (0.49 for uniformly
 * spread starting points), and the mark still reads through real JPEG q75 and q65; larger
 * photos, which can leave flat blocks alone instead, keep full steps.
 */
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { readImage } from "../image/decode.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { DEV_DIR } from "../paths.ts";
import { codeCompensation, embedMessage, SMALL_PHOTO_COMPENSATION } from "./embed.ts";
import { extractMessage } from "./extract.ts";
import { DEFAULT_STEGO_KEY, slotLayout } from "./layout.ts";
import { DEFAULT_STEGO_MESSAGE } from "./message.ts";

/** Mean squared change per byte, computed here without the metric modules. */
function meanSquaredChange(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i] - b.data[i]) ** 2;
  return sum / a.data.length;
}

Deno.test("compensation: 0.7 where the code fills every slot, full steps where it has room", () => {
  const at = (w: number, h: number) => codeCompensation(slotLayout(w, h, DEFAULT_STEGO_KEY));
  assert.equal(SMALL_PHOTO_COMPENSATION, 0.7);
  for (const [w, h] of [[128, 128], [174, 213], [250, 188]]) {
    assert.equal(at(w, h), 0.7, `${w}x${h}`);
  }
  for (const [w, h] of [[500, 375], [1920, 1280]]) assert.equal(at(w, h), 1, `${w}x${h}`);
});

Deno.test("compensation: a 174x213 close-up's code costs about half the squared change and reads through q75 and q65", async () => {
  const photo = await readImage(`${DEV_DIR}/voc-2008_001322-face1.jpg`);
  const full = embedMessage(photo, undefined, { compensation: 1 });
  const compensated = embedMessage(photo);
  assert.deepEqual(compensated, embedMessage(photo, undefined, { compensation: 0.7 }));
  const ratio = meanSquaredChange(photo, compensated) / meanSquaredChange(photo, full);
  assert.ok(ratio > 0.4 && ratio < 0.6, `squared change ratio ${ratio}`);
  for (const quality of [75, 65]) {
    const reading = extractMessage(await jpegRoundTrip(compensated, quality));
    assert.equal(reading.message, DEFAULT_STEGO_MESSAGE, `JPEG q${quality}`);
  }
});

Deno.test("compensation outside 0.5 to 1 is a UserError naming the option", async () => {
  const photo = await readImage(`${DEV_DIR}/voc-2008_001322-face1.jpg`);
  for (const bad of [0.4, 0, 1.2, Number.NaN]) {
    assert.throws(
      () => embedMessage(photo, undefined, { compensation: bad }),
      (e: unknown) => e instanceof UserError && /stego compensation must be/.test(e.message),
    );
  }
});
