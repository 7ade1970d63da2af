/**
 * SSIM: the scikit-image reference values (RGB and luma), a naive re-implementation of
 * skimage's reflect-then-crop filtering, identical images and bad sizes.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { readImage } from "../image/decode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { ssim } from "./ssim.ts";

// shared/ lies beside the checkout, for developers and CI alike.
const REFERENCE_DIR = `${PROJECT_ROOT}/data/reference`;
const TOLERANCE = 1e-4;

interface ReferencePair {
  reference: string;
  test: string;
  ssim_rgb: number;
  ssim_luma: number;
}
const { pairs } = JSON.parse(
  await Deno.readTextFile(`${REFERENCE_DIR}/metrics_reference.json`),
) as { pairs: ReferencePair[] };

for (const pair of pairs) {
  Deno.test(`SSIM of ${pair.test} against ${pair.reference} matches scikit-image`, async () => {
    const a = await readImage(`${REFERENCE_DIR}/${pair.reference}`);
    const b = await readImage(`${REFERENCE_DIR}/${pair.test}`);
    const rgb = ssim(a, b);
    const luma = ssim(a, b, { channel: "luma" });
    assert.ok(Math.abs(rgb - pair.ssim_rgb) <= TOLERANCE, `rgb ${rgb} vs ${pair.ssim_rgb}`);
    assert.ok(Math.abs(luma - pair.ssim_luma) <= TOLERANCE, `luma ${luma} vs ${pair.ssim_luma}`);
  });
}

/** Deterministic pseudo-random image (xorshift), so failures reproduce. */
function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = (s >>> 0) & 255;
  }
  return { width, height, data };
}

/** `b` = `a` plus a smooth ramp and some noise: similar, but not too similar. */
function perturbed(a: RgbImage, seed: number): RgbImage {
  const noise = randomImage(a.width, a.height, seed).data;
  const data = a.data.map((v, i) => Math.max(0, Math.min(255, v + (noise[i] % 41) - 20 + (i % 7))));
  return { width: a.width, height: a.height, data };
}

/**
 * skimage's algorithm written out plainly: the full 11x11 Gaussian filter over the whole
 * image with scipy's "reflect" border (d c b a | a b c d), then the 5-pixel crop and mean.
 */
function naiveSsim(a: RgbImage, b: RgbImage, signal: (d: Uint8Array, i: number) => number) {
  const { width, height } = a;
  const g: number[] = [];
  for (let i = -5; i <= 5; i++) g.push(Math.exp(-0.5 / (1.5 * 1.5) * i * i));
  const total = g.reduce((s, v) => s + v, 0);
  const w = g.map((v) => v / total);
  const reflect = (i: number, n: number) => {
    const m = ((i % (2 * n)) + 2 * n) % (2 * n);
    return m < n ? m : 2 * n - 1 - m;
  };
  const x = (px: number, py: number) => signal(a.data, (py * width + px) * 3);
  const y = (px: number, py: number) => signal(b.data, (py * width + px) * 3);
  const c1 = (0.01 * 255) ** 2, c2 = (0.03 * 255) ** 2;
  let sum = 0, count = 0;
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      let ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
      for (let dy = -5; dy <= 5; dy++) {
        for (let dx = -5; dx <= 5; dx++) {
          const k = w[dy + 5] * w[dx + 5];
          const sx = reflect(px + dx, width), sy = reflect(py + dy, height);
          const p = x(sx, sy), q = y(sx, sy);
          ux += k * p;
          uy += k * q;
          uxx += k * p * p;
          uyy += k * q * q;
          uxy += k * p * q;
        }
      }
      if (px < 5 || py < 5 || px >= width - 5 || py >= height - 5) continue;
      const vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
      sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      count++;
    }
  }
  return sum / count;
}

Deno.test("SSIM equals skimage's reflect-filter-then-crop on small images", () => {
  const luma = (d: Uint8Array, i: number) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  for (const [width, height] of [[11, 11], [17, 12], [23, 31]]) {
    const a = randomImage(width, height, width * 1000 + height);
    const b = perturbed(a, width + height);
    let rgb = 0;
    for (let c = 0; c < 3; c++) rgb += naiveSsim(a, b, (d, i) => d[i + c]) / 3;
    assert.ok(Math.abs(ssim(a, b) - rgb) < 1e-12, `${width}x${height} rgb`);
    const expected = naiveSsim(a, b, luma);
    assert.ok(Math.abs(ssim(a, b, { channel: "luma" }) - expected) < 1e-12, `${width}x${height}`);
  }
});

Deno.test("SSIM of identical images is 1", () => {
  const a = randomImage(40, 30, 7);
  assert.equal(ssim(a, { ...a, data: a.data.slice() }), 1);
  assert.equal(ssim(a, a, { channel: "luma" }), 1);
});

Deno.test("SSIM is symmetric and below 1 for different images", () => {
  const a = randomImage(40, 30, 7), b = perturbed(a, 3);
  assert.ok(Math.abs(ssim(a, b) - ssim(b, a)) < 1e-12);
  assert.ok(ssim(a, b) < 1);
});

Deno.test("SSIM of images of different sizes is a RangeError naming both", () => {
  assert.throws(() => ssim(randomImage(20, 30, 1), randomImage(30, 20, 1)), (error: Error) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /20x30 vs 30x20/);
    return true;
  });
});

Deno.test("SSIM rejects images smaller than the 11x11 window, as skimage does", () => {
  assert.throws(() => ssim(randomImage(10, 40, 1), randomImage(10, 40, 2)), RangeError);
  assert.throws(() => ssim(randomImage(40, 10, 1), randomImage(40, 10, 2)), RangeError);
});
