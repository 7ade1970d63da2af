/**
 * The hidden message on real sample photos: round trips raw and through real JPEG (libjpeg via
 * sharp) at q95/q85/q75, with a corner badge painted over, unmarked photos and noise read as
 * none, visual cost, and the user errors. The default message is the short do-not-process
 * code; texts such as the long statement (the default before the code) use the text frame.
 */
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { psnr } from "../metrics/psnr.ts";
import { ssim } from "../metrics/ssim.ts";
import { seededRandom } from "../random.ts";
import { readSample, resizeImage, SAMPLE_PATHS } from "../testing/fixtures.ts";
import { embedMessage } from "./embed.ts";
import { extractMessage } from "./extract.ts";
import { MAX_MESSAGE_BYTES } from "./frame.ts";
import { messageCapacity } from "./layout.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE } from "./message.ts";

/** Paints a flat rectangle of `wShare` x `hShare` of the image into its bottom-right corner. */
function paintCorner(image: RgbImage, wShare: number, hShare: number): RgbImage {
  const data = image.data.slice();
  const w = Math.round(image.width * wShare), h = Math.round(image.height * hShare);
  for (let y = image.height - h; y < image.height; y++) {
    for (let x = image.width - w; x < image.width; x++) {
      data.set([235, 240, 245], (y * image.width + x) * 3);
    }
  }
  return { ...image, data };
}

/** The top-left side x side square of `image`. */
function cropSquare(image: RgbImage, side: number): RgbImage {
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    data.set(image.data.subarray(y * image.width * 3, (y * image.width + side) * 3), y * side * 3);
  }
  return { width: side, height: side, data };
}

function noiseImage(width: number, height: number, seed: number): RgbImage {
  const random = seededRandom(seed);
  return {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, () => random.int(0, 255)),
  };
}

const fullSample1 = await readSample(1);
const marked = embedMessage(fullSample1);

Deno.test("full-size sample: the default message survives raw, JPEG q95/q85/q75 and a corner badge", async () => {
  assert.equal(extractMessage(marked).message, DEFAULT_STEGO_MESSAGE);
  assert.ok(extractMessage(marked).confidence > 0.99);
  const minimum: Record<number, number> = { 95: 0.9, 85: 0.8, 75: 0.4 };
  for (const quality of [95, 85, 75]) {
    const reading = extractMessage(await jpegRoundTrip(marked, quality));
    assert.equal(reading.message, DEFAULT_STEGO_MESSAGE, `q${quality}`);
    assert.ok(reading.confidence > minimum[quality], `q${quality}: ${reading.confidence}`);
  }
  const badged = extractMessage(await jpegRoundTrip(paintCorner(marked, 0.2, 0.08), 75));
  assert.equal(badged.message, DEFAULT_STEGO_MESSAGE);
});

Deno.test("full-size sample: the mark costs little; repetitions 0 fills every slot for more robustness", async () => {
  // The code takes at most 48 x 162 slots: a large photo pays for its message, not its size.
  assert.ok(psnr(fullSample1, marked) > 60, `PSNR ${psnr(fullSample1, marked)}`);
  // A text uses 24 slots per coded bit by default.
  const text = embedMessage(fullSample1, DEFAULT_STATEMENT);
  const db = psnr(fullSample1, text), similarity = ssim(fullSample1, text);
  assert.ok(db > 50, `PSNR ${db}`);
  assert.ok(similarity > 0.99, `SSIM ${similarity}`);
  const everywhere = embedMessage(fullSample1, DEFAULT_STATEMENT, { repetitions: 0 });
  const dense = psnr(fullSample1, everywhere);
  assert.ok(dense < db - 4 && dense > 44, `PSNR ${dense} vs ${db}`);
  assert.equal(extractMessage(await jpegRoundTrip(everywhere, 60)).message, DEFAULT_STATEMENT);
  assert.ok(extractMessage(everywhere).confidence > 0.99);
});

Deno.test("every sample at 640 px: the statement survives JPEG q75 with a badge over 5% of the photo", async () => {
  for (let index = 1; index <= SAMPLE_PATHS.length; index++) {
    const photo = await resizeImage(await readSample(index), 640);
    const withMark = embedMessage(photo, DEFAULT_STATEMENT);
    assert.ok(psnr(photo, withMark) > 44, `sample ${index}`);
    for (const quality of [85, 75]) {
      // A 20% x 8% badge as the visible layer draws, and a larger 25% x 20% one (5% of the area).
      for (const [w, h] of [[0.2, 0.08], [0.25, 0.2]]) {
        const reading = extractMessage(await jpegRoundTrip(paintCorner(withMark, w, h), quality));
        assert.equal(reading.message, DEFAULT_STATEMENT, `sample ${index} q${quality} ${w}x${h}`);
        assert.ok(reading.confidence > 0.3, `sample ${index} q${quality}: ${reading.confidence}`);
      }
    }
  }
});

Deno.test("unmarked samples at full size, and their JPEG q75 copies, read as no message", async () => {
  for (let index = 1; index <= SAMPLE_PATHS.length; index++) {
    const photo = index === 1 ? fullSample1 : await readSample(index);
    for (const image of [photo, await jpegRoundTrip(photo, 75)]) {
      const reading = extractMessage(image);
      assert.equal(reading.message, null, `sample ${index}`);
      assert.equal(reading.confidence, 0, `sample ${index}`);
    }
  }
});

Deno.test("random noise, flat and tiny images read as no message", async () => {
  const flat: RgbImage = { width: 400, height: 300, data: new Uint8Array(400 * 300 * 3).fill(128) };
  const images = [
    noiseImage(256, 256, 1),
    noiseImage(640, 480, 2),
    await jpegRoundTrip(noiseImage(640, 480, 3), 75),
    flat,
    noiseImage(7, 5, 4),
  ];
  for (const image of images) {
    const reading = extractMessage(image);
    assert.equal(reading.message, null, `${image.width}x${image.height}`);
    assert.equal(reading.confidence, 0, `${image.width}x${image.height}`);
  }
});

Deno.test("a mark read with another key is none; the same input always gives the same bytes", async () => {
  const photo = await resizeImage(fullSample1, 480);
  const withMark = embedMessage(photo, "key test");
  assert.equal(extractMessage(withMark, { key: 12345 }).message, null);
  assert.deepEqual(embedMessage(photo, "key test").data, withMark.data);
  const keyed = embedMessage(photo, "key test", { key: 12345 });
  assert.equal(extractMessage(keyed, { key: 12345 }).message, "key test");
  assert.equal(extractMessage(keyed).message, null);
});

Deno.test("UTF-8 text, strength, re-marking and a 256-byte message round trip", async () => {
  const photo = await resizeImage(fullSample1, 800);
  const unicode = "Keine Zustimmung zur Gesichtserkennung ✋ 顔認識お断り";
  assert.equal(
    extractMessage(await jpegRoundTrip(embedMessage(photo, unicode), 75)).message,
    unicode,
  );
  // The statement fills this photo, so the strength acts on (nearly) every slot.
  const strong = embedMessage(photo, DEFAULT_STATEMENT, { strength: 2 });
  const gentle = embedMessage(photo, DEFAULT_STATEMENT, { strength: 0.5 });
  const usual = psnr(photo, embedMessage(photo, DEFAULT_STATEMENT));
  assert.ok(psnr(photo, strong) < usual - 3 && psnr(photo, gentle) > usual + 3);
  assert.equal(extractMessage(await jpegRoundTrip(strong, 50)).message, DEFAULT_STATEMENT);
  assert.equal(extractMessage(await jpegRoundTrip(gentle, 95)).message, DEFAULT_STATEMENT);
  // Marking a marked photo again replaces the message.
  assert.equal(extractMessage(embedMessage(strong, "second")).message, "second");
  const longest = "é".repeat(MAX_MESSAGE_BYTES / 2);
  assert.equal(
    extractMessage(await jpegRoundTrip(embedMessage(photo, longest), 85)).message,
    longest,
  );
});

Deno.test("a 256x256 photo carries a short message through JPEG q75", async () => {
  const square = cropSquare(await resizeImage(fullSample1, 384), 256);
  assert.equal(messageCapacity(256, 256), 45);
  assert.equal(messageCapacity(640, 427), 201);
  assert.equal(messageCapacity(100, 100), 0);
  assert.equal(messageCapacity(8000, 6000), MAX_MESSAGE_BYTES);
  // Capacity is exactly what embedding accepts.
  embedMessage(square, "c".repeat(45));
  assert.throws(() => embedMessage(square, "c".repeat(46)), UserError);
  const reading = extractMessage(
    await jpegRoundTrip(embedMessage(square, "No face recognition"), 75),
  );
  assert.equal(reading.message, "No face recognition");
});

Deno.test("too long, empty or oversized-for-the-photo messages and bad strengths are UserErrors", async () => {
  const photo = await resizeImage(fullSample1, 640);
  const userError = (pattern: RegExp) => (error: Error) => {
    assert.ok(error instanceof UserError, error.message);
    assert.match(error.message, pattern);
    return true;
  };
  assert.throws(
    () => embedMessage(photo, "x".repeat(MAX_MESSAGE_BYTES + 1)),
    userError(/257 bytes.*at most 256 bytes/),
  );
  assert.throws(() => embedMessage(photo, "€".repeat(100)), userError(/300 bytes of UTF-8/));
  assert.throws(() => embedMessage(photo, ""), userError(/non-empty/));
  for (const strength of [0, -1, Number.NaN, 0.2, 5.5]) {
    assert.throws(() => embedMessage(photo, "x", { strength }), userError(/strength.*0\.25 to 5/));
  }
  for (const repetitions of [-1, 3, 2.5, 256]) {
    assert.throws(() => embedMessage(photo, "x", { repetitions }), userError(/repetitions/));
  }
  const small = await resizeImage(photo, 200);
  let side = 0;
  assert.throws(() => embedMessage(small, DEFAULT_STATEMENT), (error: Error) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /200x133 photo is too small to hide a 86-byte message/);
    side = Number(error.message.match(/e\.g\. (\d+)x\1 pixels/)?.[1]);
    return true;
  });
  // The size the error names is enough.
  const square = cropSquare(await resizeImage(fullSample1, 2 * side), side);
  assert.equal(extractMessage(embedMessage(square, DEFAULT_STATEMENT)).message, DEFAULT_STATEMENT);
  // The code's error names a size that is enough, too.
  assert.throws(
    () => embedMessage(cropSquare(photo, 88), DEFAULT_STEGO_MESSAGE),
    userError(/88x88 photo is too small to hide the do-not-process code.*e\.g\. 96x96 pixels/),
  );
  const code = cropSquare(photo, 96);
  assert.equal(extractMessage(embedMessage(code)).message, DEFAULT_STEGO_MESSAGE);
});
