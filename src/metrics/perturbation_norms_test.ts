/** Perturbation norms on hand-made images whose answers are known. */
import assert from "node:assert/strict";
import type { RgbImage } from "../image/rgb_image.ts";
import { l2, linf } from "./perturbation_norms.ts";

function image(width: number, height: number, values: number[]): RgbImage {
  return { width, height, data: Uint8Array.from(values) };
}

// Two pixels; differences (b - a): +3, 0, -8 | 0, 4, 0.
const A = image(2, 1, [10, 20, 30, 255, 0, 7]);
const B = image(2, 1, [13, 20, 22, 255, 4, 7]);

Deno.test("linf is the largest absolute difference in 0..255 units", () => {
  assert.equal(linf(A, B), 8);
  assert.equal(linf(B, A), 8);
  assert.equal(linf(image(1, 1, [0, 0, 0]), image(1, 1, [255, 0, 0])), 255);
});

Deno.test("l2 is the Euclidean norm of the difference over the 0..1 image", () => {
  // sqrt((3^2 + 8^2 + 4^2) / 255^2) = sqrt(89) / 255.
  assert.ok(Math.abs(l2(A, B) - Math.sqrt(89) / 255) < 1e-15);
  assert.equal(l2(A, B), l2(B, A));
  // Every value of a 10x10 image moved by 255: sqrt(300 * 1^2).
  const black = image(10, 10, new Array(300).fill(0));
  const white = image(10, 10, new Array(300).fill(255));
  assert.ok(Math.abs(l2(black, white) - Math.sqrt(300)) < 1e-12);
});

Deno.test("norms of identical images are 0", () => {
  assert.equal(linf(A, A), 0);
  assert.equal(l2(A, A), 0);
});

Deno.test("norms of images of different sizes are a RangeError naming both", () => {
  const tall = image(1, 2, [1, 2, 3, 4, 5, 6]);
  for (const norm of [linf, l2]) {
    assert.throws(() => norm(A, tall), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /2x1 vs 1x2/);
      return true;
    });
  }
});

Deno.test("norms reject data whose length does not match the size", () => {
  const short = image(2, 1, [1, 2, 3, 4, 5]);
  assert.throws(() => linf(A, short), RangeError);
  assert.throws(() => l2(short, A), RangeError);
});
