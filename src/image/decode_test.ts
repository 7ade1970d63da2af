/** Decoding: real photos decode; every kind of bad file is one clear UserError. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { UserError } from "../errors.ts";
import { decodeImage, MAX_PIXELS, readImage, sniffFormat } from "./decode.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { makeBadInputs } from "../testing/bad_inputs.ts";

Deno.test("a sample photo decodes to RGB at its full size", async () => {
  const image = await readImage(SAMPLE_PATHS[0]);
  assert.equal(image.width, 1920);
  assert.equal(image.height, 1280);
  assert.equal(image.data.length, 1920 * 1280 * 3);
});

Deno.test("EXIF orientation is applied", async () => {
  const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: "#f00" } })
    .jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const image = await decodeImage(new Uint8Array(png));
  assert.deepEqual([image.width, image.height], [20, 40]);
});

Deno.test("formats are recognised by content", () => {
  assert.equal(sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
  assert.equal(sniffFormat(new TextEncoder().encode("GIF89a......")), undefined);
  assert.equal(sniffFormat(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 ")), "webp");
});

Deno.test("every bad input gives a UserError naming the problem", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-bad-" });
  try {
    const bad = await makeBadInputs(dir);
    const expectations: [string, RegExp][] = [
      [bad.missing, /file not found/],
      [bad.empty, /empty \(0 bytes\)/],
      [bad.text, /not a JPEG, PNG or WebP/],
      [bad.truncated, /corrupt or truncated JPEG/],
      [bad.huge, /8000x7000 \(56.0 megapixels\), over the limit of 50 megapixels/],
      [bad.gif, /not a JPEG, PNG or WebP/],
      [bad.corruptPng, /corrupt/],
    ];
    for (const [path, pattern] of expectations) {
      await assert.rejects(
        () => readImage(path),
        (error: Error) =>
          error instanceof UserError && pattern.test(error.message) &&
          error.message.includes(path) &&
          !error.message.includes("\n"),
        `${path} should fail with ${pattern}`,
      );
    }
    assert.equal(MAX_PIXELS, 50_000_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
