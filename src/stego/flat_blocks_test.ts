/**
 * The do-not-process code spares flat blocks where a photo has repetitions to spare: spared
 * blocks are left exactly as they were and are flat by an independent measure, the mark costs
 * less SSIM (the scikit-image-checked metric), the reader still reads it through real JPEG q75
 * as firmly as a mark that spared nothing, and reads such older marks too.
 */
import assert from "node:assert/strict";
import { readImage } from "../image/decode.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { ssim } from "../metrics/ssim.ts";
import { DEV_DIR } from "../paths.ts";
import { resizeImage } from "../testing/fixtures.ts";
import { embedMessage } from "./embed.ts";
import { extractMessage } from "./extract.ts";
import { DEFAULT_STEGO_MESSAGE } from "./message.ts";

/** A 250x188 VOC photo: sky and wall, so many flat blocks, and room for 35 repetitions. */
const photo = await readImage(`${DEV_DIR}/voc-2011_000006-w250.jpg`);

/** Luma standard deviation of every 8x8 block, computed here without the module's helpers. */
function blockStds(image: RgbImage): number[][] {
  const rows: number[][] = [];
  for (let by = 0; by < Math.floor(image.height / 8); by++) {
    const row: number[] = [];
    for (let bx = 0; bx < Math.floor(image.width / 8); bx++) {
      const values: number[] = [];
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          const i = ((by * 8 + y) * image.width + bx * 8 + x) * 3;
          values.push(
            0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2],
          );
        }
      }
      const mean = values.reduce((a, b) => a + b, 0) / 64;
      row.push(Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 64));
    }
    rows.push(row);
  }
  return rows;
}

/** Whether block (bx, by) of `a` and `b` holds the same bytes. */
function sameBlock(a: RgbImage, b: RgbImage, bx: number, by: number): boolean {
  for (let y = 0; y < 8; y++) {
    const start = ((by * 8 + y) * a.width + bx * 8) * 3;
    for (let i = start; i < start + 24; i++) if (a.data[i] !== b.data[i]) return false;
  }
  return true;
}

Deno.test("the code leaves flat blocks untouched and costs less SSIM than marking every slot", () => {
  const spared = embedMessage(photo);
  const everywhere = embedMessage(photo, DEFAULT_STEGO_MESSAGE, { spareFlatBlocks: false });
  const stds = blockStds(photo);
  let untouched = 0, untouchedFlat = 0, changedEverywhere = 0;
  stds.forEach((row, by) =>
    row.forEach((std, bx) => {
      if (!sameBlock(photo, everywhere, bx, by)) changedEverywhere++;
      if (sameBlock(photo, spared, bx, by) && !sameBlock(photo, everywhere, bx, by)) {
        untouched++;
        if (std < 6) untouchedFlat++;
      }
    })
  );
  // At 35 repetitions per coded bit, up to 1 - 24/35 = 31% of the used blocks may be spared.
  assert.ok(untouched > 0.1 * changedEverywhere, `${untouched} of ${changedEverywhere} spared`);
  assert.ok(untouched <= 0.32 * changedEverywhere, `${untouched} of ${changedEverywhere} spared`);
  assert.equal(untouchedFlat, untouched, "only flat blocks are spared");
  const gain = ssim(photo, spared) - ssim(photo, everywhere);
  assert.ok(gain > 0.002, `SSIM ${ssim(photo, spared)} vs ${ssim(photo, everywhere)}`);
});

Deno.test("a spared mark reads through JPEG q75 and q65 as firmly as one that spared nothing", async () => {
  const spared = embedMessage(photo);
  const everywhere = embedMessage(photo, DEFAULT_STEGO_MESSAGE, { spareFlatBlocks: false });
  assert.ok(extractMessage(spared).confidence > 0.95, "an untouched mark reads near 1");
  for (const quality of [75, 65]) {
    const firm = extractMessage(await jpegRoundTrip(everywhere, quality));
    const light = extractMessage(await jpegRoundTrip(spared, quality));
    // The older kind of mark still reads with today's reader.
    assert.equal(firm.message, DEFAULT_STEGO_MESSAGE, `q${quality}: every slot`);
    assert.equal(light.message, DEFAULT_STEGO_MESSAGE, `q${quality}: spared`);
    assert.ok(
      light.confidence > firm.confidence - 0.05,
      `q${quality}: ${light.confidence} vs ${firm.confidence}`,
    );
  }
});

Deno.test("a photo with no repetitions to spare is marked in every planned slot", async () => {
  const small = await resizeImage(photo, 128);
  const spared = embedMessage(small);
  const everywhere = embedMessage(small, DEFAULT_STEGO_MESSAGE, { spareFlatBlocks: false });
  assert.deepEqual(spared.data, everywhere.data);
  assert.equal(extractMessage(await jpegRoundTrip(spared, 75)).message, DEFAULT_STEGO_MESSAGE);
});
