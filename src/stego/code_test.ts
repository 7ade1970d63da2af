/**
 * The do-not-process code, the default hidden message: it fits small photos (128x128 and up)
 * and survives the visible badge plus JPEG q75 on real photos; its text form, and how it
 * coexists with text messages.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { UserError } from "../errors.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { badgeBox, drawBadge } from "../marks/badge.ts";
import { psnr } from "../metrics/psnr.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { embedMessage } from "./embed.ts";
import { extractMessage } from "./extract.ts";
import { codeFits, messageCapacity } from "./layout.ts";
import {
  DEFAULT_STATEMENT,
  DEFAULT_STEGO_MESSAGE,
  doNotProcessMeaning,
  doNotProcessText,
  parseDoNotProcess,
} from "./message.ts";

/** Sample `index` (1-based) cropped to its centre and scaled to side x side, as sharp does. */
async function squareSample(index: number, side: number): Promise<RgbImage> {
  const { data, info } = await sharp(SAMPLE_PATHS[index - 1])
    .resize(side, side, { fit: "cover" })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

Deno.test("the default hidden message is the code EQAI-DNP/1; its text form parses", () => {
  assert.equal(DEFAULT_STEGO_MESSAGE, "EQAI-DNP/1");
  assert.equal(doNotProcessText(), DEFAULT_STEGO_MESSAGE);
  assert.equal(parseDoNotProcess("EQAI-DNP/1"), 1);
  assert.equal(parseDoNotProcess("EQAI-DNP/255"), 255);
  for (const text of ["EQAI-DNP/0", "EQAI-DNP/256", "eqai-dnp/1", "EQAI-DNP/1 ", "EQAI-DNP/01"]) {
    assert.equal(parseDoNotProcess(text), null, text);
  }
  assert.equal(parseDoNotProcess(DEFAULT_STATEMENT), null);
  assert.match(doNotProcessMeaning(1), /no consent to automated face detection or recognition/);
  assert.match(doNotProcessMeaning(7), /version 7, newer than this reader knows/);
});

Deno.test("capacities: the code fits 96x96 and up; a text needs about 240x240", () => {
  assert.equal(codeFits(256, 256), true);
  assert.equal(codeFits(128, 128), true);
  assert.equal(codeFits(96, 96), true);
  assert.equal(codeFits(88, 88), false);
  assert.equal(codeFits(64, 64), false);
  assert.equal(messageCapacity(128, 128), 0);
  assert.equal(messageCapacity(256, 256), 45);
  // A 280x284 profile picture holds 54 bytes of text: not the 86-byte statement.
  assert.equal(messageCapacity(280, 284), 54);
  assert.ok(new TextEncoder().encode(DEFAULT_STATEMENT).length > 54);
});

Deno.test("256x256 and 128x128 photos: the code survives the badge (where drawn) and JPEG q75", async () => {
  for (const side of [256, 128]) {
    // The badge draws over the corner at 256; at 128 it would cover 12% of the photo and is
    // left out (see badge.ts).
    assert.equal(Boolean(await badgeBox(side, side)), side >= 256, `${side}: badge`);
    for (let index = 1; index <= SAMPLE_PATHS.length; index++) {
      const photo = await squareSample(index, side);
      const marked = embedMessage(photo);
      assert.ok(psnr(photo, marked) > 44, `${side} sample ${index}: PSNR ${psnr(photo, marked)}`);
      const exact = extractMessage(marked);
      assert.equal(exact.message, DEFAULT_STEGO_MESSAGE);
      assert.ok(exact.confidence > 0.95, `${side} sample ${index}: ${exact.confidence}`);
      const reading = extractMessage(await jpegRoundTrip(await drawBadge(marked), 75));
      assert.equal(reading.message, DEFAULT_STEGO_MESSAGE, `${side} sample ${index}`);
      assert.ok(reading.confidence > 0.3, `${side} sample ${index}: ${reading.confidence}`);
      // The unmarked photo reads as nothing.
      assert.equal(extractMessage(await jpegRoundTrip(photo, 75)).message, null);
    }
  }
});

Deno.test("the code follows the strength and the key; a text of any other form is a text", async () => {
  const photo = await squareSample(2, 256);
  const strong = embedMessage(photo, DEFAULT_STEGO_MESSAGE, { strength: 2 });
  assert.ok(psnr(photo, strong) < psnr(photo, embedMessage(photo)) - 3);
  assert.equal(extractMessage(await jpegRoundTrip(strong, 50)).message, DEFAULT_STEGO_MESSAGE);
  const keyed = embedMessage(photo, undefined, { key: 12345 });
  assert.equal(extractMessage(keyed, { key: 12345 }).message, DEFAULT_STEGO_MESSAGE);
  assert.equal(extractMessage(keyed).message, null);
  // A later version of the code reads back as its text.
  assert.equal(extractMessage(embedMessage(photo, "EQAI-DNP/2")).message, "EQAI-DNP/2");
  // Near misses are texts (within a 256x256 photo's 45 bytes), and re-marking replaces the code.
  const text = embedMessage(embedMessage(photo), "EQAI-DNP/1 please");
  assert.equal(extractMessage(text).message, "EQAI-DNP/1 please");
  assert.equal(extractMessage(embedMessage(text)).message, DEFAULT_STEGO_MESSAGE);
  assert.throws(() => embedMessage(photo, ""), UserError);
});
