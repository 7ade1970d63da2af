/** PSNR: the scikit-image reference values, identical images, size mismatches, a known case. */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { readImage } from "../image/decode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { psnr } from "./psnr.ts";

// shared/ lies beside the checkout, for developers and CI alike.
const REFERENCE_DIR = `${PROJECT_ROOT}/data/reference`;
const TOLERANCE = 1e-4;

interface ReferencePair {
  reference: string;
  test: string;
  psnr_db: number | null;
}
const { pairs } = JSON.parse(
  await Deno.readTextFile(`${REFERENCE_DIR}/metrics_reference.json`),
) as { pairs: ReferencePair[] };

for (const pair of pairs) {
  Deno.test(`PSNR of ${pair.test} against ${pair.reference} matches scikit-image`, async () => {
    const a = await readImage(`${REFERENCE_DIR}/${pair.reference}`);
    const b = await readImage(`${REFERENCE_DIR}/${pair.test}`);
    const value = psnr(a, b);
    // skimage gives inf for identical images; the JSON stores that as null.
    if (pair.psnr_db === null) assert.equal(value, Infinity);
    else {
      assert.ok(
        Math.abs(value - pair.psnr_db) <= TOLERANCE,
        `${value} vs ${pair.psnr_db}`,
      );
    }
  });
}

function solid(width: number, height: number, value: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

Deno.test("PSNR of identical images is Infinity", () => {
  assert.equal(psnr(solid(4, 3, 77), solid(4, 3, 77)), Infinity);
});

Deno.test("PSNR of a uniform one-step difference is 20 log10(255)", () => {
  // MSE 1, so PSNR = 10 log10(255^2 / 1).
  assert.ok(Math.abs(psnr(solid(5, 2, 10), solid(5, 2, 11)) - 48.130803608679105) < 1e-12);
  // Half the values off by 2: MSE 2.
  const b = solid(2, 1, 100);
  b.data.set([102, 102, 102], 0);
  assert.ok(Math.abs(psnr(solid(2, 1, 100), b) - 10 * Math.log10(255 * 255 / 2)) < 1e-12);
});

Deno.test("PSNR of images of different sizes is a RangeError naming both", () => {
  assert.throws(() => psnr(solid(4, 3, 0), solid(3, 4, 0)), (error: Error) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /4x3/);
    assert.match(error.message, /3x4/);
    return true;
  });
});
