/**
 * The filter on small photos, without the attack (fast): a 256x256 or 128x128 photo, or a
 * 280x284 profile picture, carries the do-not-process code through JPEG q75 (with the badge
 * from 256 px; on 128 px it would cover too much) and the long statement in its metadata; a long custom message that does not fit is
 * skipped with a note; a photo whose short side is under 64 px is refused in one line before
 * any slow work.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { UserError } from "../errors.ts";
import { decodeImage } from "../image/decode.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import { readMarks } from "../marks/metadata.ts";
import { extractMessage } from "../stego/extract.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { type FilterProgress, MIN_PHOTO_SIDE, protectPhotoBytes } from "./filter.ts";

/** Sample `index` (1-based) scaled and cropped to width x height, as a JPEG. */
async function sampleJpeg(index: number, width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(SAMPLE_PATHS[index - 1]).resize(width, height, { fit: "cover" })
      .jpeg({ quality: 92 }).toBuffer(),
  );
}

/** Every layer but the attack; no detector judges (nothing here needs one). */
const FAST = { layers: { perturbation: false }, judges: [] };

Deno.test("256x256, 128x128 and 280x284 photos carry the code through JPEG q75 (badge on from 256)", async () => {
  for (const [index, width, height] of [[1, 256, 256], [3, 128, 128], [5, 280, 284]]) {
    const name = `${width}x${height}`;
    const { bytes, report } = await protectPhotoBytes(
      await sampleJpeg(index, width, height),
      FAST,
    );
    // A legible badge would cover 12% of a 128x128 photo: it is left out there, and said so.
    const badge = width >= 256;
    assert.deepEqual(
      report.notes,
      badge ? [] : ["badge skipped: the photo is too small for a legible badge"],
      name,
    );
    assert.deepEqual(report.layers, {
      perturbation: false,
      stego: true,
      badge,
      metadata: true,
    }, name);
    assert.equal(report.badge !== null, badge, name);
    assert.equal(report.stego?.output.message, DEFAULT_STEGO_MESSAGE, name);
    assert.equal(report.stego?.after_jpeg75.message, DEFAULT_STEGO_MESSAGE, name);
    assert.ok(
      report.stego!.after_jpeg75.confidence > 0.3,
      `${name}: ${JSON.stringify(report.stego)}`,
    );
    // Checked here too, on the bytes that go out.
    const q75 = await jpegRoundTrip(await decodeImage(bytes), 75);
    assert.equal(extractMessage(q75).message, "EQAI-DNP/1", name);
    // The long human-readable statement is in the metadata.
    const marks = await readMarks(bytes);
    assert.equal(marks.dataMining, "DMI-PROHIBITED", name);
    assert.equal(marks.usageTerms, DEFAULT_STATEMENT, name);
    assert.equal(marks.imageDescription, DEFAULT_STATEMENT, name);
  }
});

Deno.test("--message sets the hidden text and the statement; too long for the photo, it is skipped", async () => {
  const profile = await sampleJpeg(2, 280, 284);
  const custom = "Bitte keine Gesichtserkennung.";
  const short = await protectPhotoBytes(profile, { ...FAST, message: custom });
  assert.equal(short.report.stego?.after_jpeg75.message, custom);
  assert.equal((await readMarks(short.bytes)).usageTerms, custom);

  const long = await protectPhotoBytes(profile, { ...FAST, message: DEFAULT_STATEMENT });
  assert.equal(long.report.layers.stego, false);
  assert.deepEqual(long.report.notes, [
    "hidden message skipped: a 280x284 photo is too small to hide the 86-byte message " +
    "robustly (it holds 54 bytes)",
  ]);
  assert.equal(extractMessage(await decodeImage(long.bytes)).message, null);
  assert.equal((await readMarks(long.bytes)).usageTerms, DEFAULT_STATEMENT);
});

Deno.test("a 96x64 photo is protected without the code (too few blocks), and says so", async () => {
  const { report } = await protectPhotoBytes(await sampleJpeg(4, 96, 64), FAST);
  assert.equal(report.layers.stego, false);
  assert.equal(report.layers.metadata, true);
  assert.match(
    report.notes[0],
    /^hidden message skipped: a 96x64 photo is too small to hide the do-not-process code/,
  );
});

Deno.test("a photo whose short side is under 64 px is refused in one line before any slow work", async () => {
  assert.equal(MIN_PHOTO_SIDE, 64);
  for (const [width, height] of [[40, 27], [63, 400], [500, 50]]) {
    const seen: FilterProgress[] = [];
    await assert.rejects(
      protectPhotoBytes(await sampleJpeg(1, width, height), { onProgress: (p) => seen.push(p) }),
      (error: Error) => {
        assert.ok(error instanceof UserError, error.message);
        assert.equal(
          error.message,
          `photo is ${width}x${height}; the short side must be at least 64 px to hold a face`,
        );
        return true;
      },
    );
    assert.deepEqual(seen.map((p) => p.stage), ["decode"]);
  }
  await assert.rejects(
    protectPhotoBytes(await sampleJpeg(1, 64, 63), { decode: { label: "me.jpg" } }),
    /^UserError: me\.jpg: photo is 64x63; the short side must be at least 64 px/,
  );
});
