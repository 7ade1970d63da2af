/**
 * jpegApprox against a real JPEG encoder (libjpeg via sharp), its quantisation tables against
 * the ones the encoder writes, and its hand-written gradient against finite differences.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import type { RgbImage } from "./rgb_image.ts";
import {
  JPEG_BASE_TABLES,
  jpegApprox,
  type JpegApproxOptions,
  jpegQuantTables,
} from "./jpeg_approx.ts";

await initBackend("wasm");

/** Baseline libjpeg settings: no mozjpeg trellis, deringing or tables of its own. */
async function realJpeg(
  image: RgbImage,
  quality: number,
  chromaSubsampling = "4:2:0",
): Promise<{ bytes: Uint8Array; decoded: Uint8Array }> {
  const { width, height, data } = image;
  const bytes = await sharp(data, { raw: { width, height, channels: 3 } }).jpeg({
    quality,
    chromaSubsampling,
    mozjpeg: false,
    trellisQuantisation: false,
    overshootDeringing: false,
    optimiseScans: false,
    quantisationTable: 0,
  }).toBuffer();
  const decoded = await sharp(bytes).removeAlpha().raw().toBuffer();
  return { bytes: new Uint8Array(bytes), decoded: new Uint8Array(decoded) };
}

function toTensor(data: Uint8Array, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(data), shape);
}

function mse(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.squaredDifference(a, b).mean().dataSync()[0]);
}

function psnr(meanSquaredError: number): number {
  return 10 * Math.log10(255 * 255 / meanSquaredError);
}

let photo: RgbImage | undefined;
/** The first sample photo at 480 x 320, small enough for a quick test. */
async function smallPhoto(): Promise<RgbImage> {
  photo ??= await resizeImage(await readSample(1), 480);
  return photo;
}

// Measured at 480 x 320 (sharp 0.34.5, libvips' libjpeg-turbo), PSNR against the real JPEG and
// how much closer to it than the original, cubic / straight-through:
//   quality 50: 45.9 / 46.0 dB, 19.0x / 19.3x;  75: 46.6 / 46.5 dB, 14.1x / 13.7x;
//   95: 48.7 / 48.2 dB, 8.9x / 8.1x. The rest is libjpeg's integer arithmetic (8-bit YCbCr
// both ways, integer DCT): at quality 100, 4:4:4, the real JPEG is about 0.3 MSE from its input.
const AGAINST_REAL: Record<number, { psnr: number; factor: number }> = {
  50: { psnr: 44, factor: 10 },
  75: { psnr: 45, factor: 8 },
  95: { psnr: 46.5, factor: 5 },
};

Deno.test("jpegApprox is close to libjpeg's own output at qualities 50, 75 and 95", async () => {
  const image = await smallPhoto();
  const shape: [number, number, number, number] = [1, image.height, image.width, 3];
  const original = toTensor(image.data, shape);
  for (const [quality, expected] of Object.entries(AGAINST_REAL)) {
    const real = toTensor((await realJpeg(image, Number(quality))).decoded, shape);
    const originalToReal = mse(original, real);
    for (const rounding of ["cubic", "straight-through"] as const) {
      const approx = jpegApprox(original, Number(quality), { rounding });
      const toReal = mse(approx, real);
      const label = `quality ${quality}, ${rounding}`;
      assert.ok(psnr(toReal) >= expected.psnr, `${label}: PSNR ${psnr(toReal)} dB vs real JPEG`);
      assert.ok(
        originalToReal / toReal >= expected.factor,
        `${label}: MSE ${toReal} to the real JPEG, original ${originalToReal}`,
      );
      // The approximation destroys about as much as JPEG does (cubic 0.86-0.90 of it,
      // straight-through 0.97-0.99), not less and not more.
      const distortion = mse(approx, original) / originalToReal;
      assert.ok(distortion > 0.75 && distortion < 1.1, `${label}: distortion ratio ${distortion}`);
      approx.dispose();
    }
    real.dispose();
  }
  original.dispose();
});

Deno.test("without chroma subsampling it is close to a 4:4:4 JPEG", async () => {
  // Measured: 47.2 dB to the real JPEG, which is 10x closer than the original.
  const image = await smallPhoto();
  const shape: [number, number, number, number] = [1, image.height, image.width, 3];
  const original = toTensor(image.data, shape);
  const real = toTensor((await realJpeg(image, 75, "4:4:4")).decoded, shape);
  const approx = jpegApprox(original, 75, { chromaSubsampling: false });
  const toReal = mse(approx, real);
  assert.ok(psnr(toReal) >= 45.5, `PSNR ${psnr(toReal)} dB`);
  assert.ok(mse(original, real) / toReal >= 6, `MSE ${toReal}, original ${mse(original, real)}`);
  tf.dispose([original, real, approx]);
});

/** JPEG's zig-zag order: ZIGZAG[i] is the natural index of the i-th coefficient in a file. */
const ZIGZAG = [
  ...[0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48],
  ...[41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15],
  ...[23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63],
];

/** The quantisation tables in a JPEG file's DQT segments, in natural order. */
function readQuantTables(jpeg: Uint8Array): number[][] {
  const tables: number[][] = [];
  for (let i = 2; i + 4 <= jpeg.length && jpeg[i] === 0xff;) {
    const marker = jpeg[i + 1];
    const length = jpeg[i + 2] * 256 + jpeg[i + 3];
    if (marker === 0xda) break; // start of scan: no more headers
    if (marker === 0xdb) {
      for (let p = i + 4; p < i + 2 + length;) {
        const sixteenBit = jpeg[p] >> 4 === 1;
        const table = new Array<number>(64);
        for (let k = 0; k < 64; k++) {
          table[ZIGZAG[k]] = sixteenBit
            ? jpeg[p + 1 + 2 * k] * 256 + jpeg[p + 2 + 2 * k]
            : jpeg[p + 1 + k];
        }
        tables.push(table);
        p += 1 + (sixteenBit ? 128 : 64);
      }
    }
    i += 2 + length;
  }
  return tables;
}

Deno.test("quantisation tables: Annex K at 50, all ones at 100, as libjpeg writes them", async () => {
  const q50 = jpegQuantTables(50);
  assert.deepEqual(Array.from(q50.luma), JPEG_BASE_TABLES.luma);
  assert.deepEqual(Array.from(q50.chroma), JPEG_BASE_TABLES.chroma);
  assert.equal(JPEG_BASE_TABLES.luma[63], 99); // spot checks of the transcription
  assert.equal(JPEG_BASE_TABLES.chroma[9], 21);
  const q100 = jpegQuantTables(100);
  assert.ok(q100.luma.every((v) => v === 1) && q100.chroma.every((v) => v === 1));
  assert.equal(q100.luma.length, 64);
  const tiny = await resizeImage(await smallPhoto(), 16);
  for (const quality of [1, 10, 25, 49, 50, 51, 75, 90, 95, 100]) {
    const written = readQuantTables((await realJpeg(tiny, quality)).bytes);
    const ours = jpegQuantTables(quality);
    assert.equal(written.length, 2, `quality ${quality}: ${written.length} tables`);
    assert.deepEqual(written[0], Array.from(ours.luma), `quality ${quality}, luminance`);
    assert.deepEqual(written[1], Array.from(ours.chroma), `quality ${quality}, chrominance`);
  }
});

Deno.test("the error grows as quality falls; 4:4:4 at quality 100 is nearly lossless", async () => {
  const image = await smallPhoto();
  const original = toTensor(image.data, [1, image.height, image.width, 3]);
  const errors = [95, 75, 50, 25, 10].map((quality) =>
    tf.tidy(() => mse(jpegApprox(original, quality), original))
  );
  for (let i = 1; i < errors.length; i++) {
    assert.ok(errors[i] > errors[i - 1] * 1.2, `MSE by quality 95..10: ${errors}`);
  }
  // Only the rounding of DCT coefficients to integers is left (measured 0.12).
  const lossless = tf.tidy(() =>
    mse(jpegApprox(original, 100, { chromaSubsampling: false }), original)
  );
  assert.ok(lossless < 0.3, `MSE at quality 100, 4:4:4: ${lossless}`);
  original.dispose();
});

/** The sample photo squeezed to [batch, height, width] and mapped into 40..215. */
async function photoBatch(batch: number, height: number, width: number): Promise<tf.Tensor4D> {
  const sample = await readSample(1);
  const { data } = await sharp(sample.data, {
    raw: { width: sample.width, height: sample.height, channels: 3 },
  }).resize({ width, height: height * batch, fit: "fill" }).raw().toBuffer({
    resolveWithObject: true,
  });
  // Away from 0 and 255, clipping's kinks stay out of the finite differences.
  return tf.tidy(() => toTensor(new Uint8Array(data), [batch, height, width, 3]).mul(0.7).add(40));
}

/**
 * Checks tf.grad of sum(jpegApprox(x) * w) against central differences along random
 * directions, each confined to an 8x8 patch. Cubic rounding jumps by 0.75 at half-integers
 * (round() switches there), so a direction over the whole image always crosses one of thousands
 * of jumps, even at steps of 1e-3; a patch moves a few hundred coefficients. A try whose
 * straight-through output changes between x - hu and x + hu crossed a jump and is redrawn,
 * with a fresh sub-pixel jitter of x as well.
 */
function checkGradient(
  x0: tf.Tensor4D,
  quality: number,
  options: JpegApproxOptions,
  patches: [number, number, number][],
): { relative: number; checked: number } {
  const h = 0.05; // float32 noise shrinks as 1/h; measured 0.1% error at 0.05 and 0.1
  const f = (v: tf.Tensor) => jpegApprox(v as tf.Tensor4D, quality, options);
  const st = (v: tf.Tensor) =>
    jpegApprox(v as tf.Tensor4D, quality, { ...options, rounding: "straight-through" });
  const w = tf.randomNormal(x0.shape, 0, 1, "float32", 7);
  const [batch, height, width] = x0.shape;
  let error = 0;
  let total = 0;
  let checked = 0;
  for (const [b, top, left] of patches) {
    const mask = tf.buffer([batch, height, width, 3]);
    for (let y = top; y < top + 8; y++) {
      for (let x = left; x < left + 8; x++) for (let c = 0; c < 3; c++) mask.set(1, b, y, x, c);
    }
    const inPatch = mask.toTensor();
    for (let seed = 0; seed < 20; seed++) {
      const done = tf.tidy(() => {
        const x = x0.add(tf.randomUniform(x0.shape, -0.5, 0.5, "float32", 500 + seed));
        const u = tf.randomNormal(x0.shape, 0, 1, "float32", 300 + seed).mul(inPatch);
        const plus = x.add(u.mul(h));
        const minus = x.sub(u.mul(h));
        if (st(plus).notEqual(st(minus)).any().dataSync()[0]) return false;
        const grad = tf.grad((v: tf.Tensor) => f(v).mul(w).sum())(x);
        const analytic = grad.mul(u).sum().dataSync()[0];
        const numeric = f(plus).sub(f(minus)).mul(w).sum().dataSync()[0] / (2 * h);
        error += Math.abs(numeric - analytic);
        total += Math.abs(analytic);
        return true;
      });
      if (done) {
        checked++;
        break;
      }
    }
    inPatch.dispose();
  }
  w.dispose();
  return { relative: error / total, checked };
}

Deno.test("the gradient matches finite differences (odd size, batch 2, patches at the edges)", async () => {
  const x = await photoBatch(2, 37, 53);
  const grad = tf.grad((v: tf.Tensor) =>
    jpegApprox(v as tf.Tensor4D, 75).mul(tf.randomNormal(v.shape, 0, 1, "float32", 1)).sum()
  )(x);
  assert.deepEqual(grad.shape, x.shape);
  const values = grad.dataSync();
  assert.ok(values.every(Number.isFinite), "gradient has non-finite entries");
  assert.ok(values.filter((v) => v !== 0).length > values.length * 0.9, "gradient mostly zero");
  grad.dispose();
  // Corners include the replicated padding (37 x 53 pads to 48 x 64) and the edges where
  // chroma upsampling clamps. Measured aggregate relative error: 1.3e-3 (4:2:0, quality 75)
  // and 1.4e-3 (4:4:4, quality 50); a gradient off by 1% anywhere would show.
  const corners: [number, number, number][] = [
    [0, 0, 0],
    [1, 29, 45],
    [0, 13, 20],
    [1, 20, 3],
    [0, 0, 45],
    [1, 29, 0],
  ];
  const subsampled = checkGradient(x, 75, {}, corners);
  assert.ok(subsampled.checked >= 5, `only ${subsampled.checked} patches checked`);
  assert.ok(subsampled.relative < 1e-2, `relative error ${subsampled.relative}`);
  const full = checkGradient(x, 50, { chromaSubsampling: false }, corners);
  assert.ok(full.checked >= 5, `only ${full.checked} patches checked`);
  assert.ok(full.relative < 1e-2, `4:4:4 relative error ${full.relative}`);
  x.dispose();
});

Deno.test("straight-through: at quality 100, 4:4:4, the gradient is the identity's", async () => {
  // Everything but rounding is linear and DCT with a table of ones is invertible, so
  // backward must hand w back unchanged wherever the output is not clipped (measured: to
  // within 1.2e-6).
  const x = await photoBatch(1, 24, 40);
  const w = tf.randomNormal(x.shape, 0, 1, "float32", 3);
  const options = { rounding: "straight-through", chromaSubsampling: false } as const;
  const grad = tf.grad((v: tf.Tensor) => jpegApprox(v as tf.Tensor4D, 100, options).mul(w).sum())(
    x,
  );
  const worst = tf.tidy(() => grad.sub(w).abs().max().dataSync()[0]);
  assert.ok(worst < 1e-4, `largest difference from w: ${worst}`);
  // With subsampling and real tables it is a different linear map, but still finite and alive.
  const sub = tf.grad((v: tf.Tensor) =>
    jpegApprox(v as tf.Tensor4D, 60, { rounding: "straight-through" }).mul(w).sum()
  )(x);
  const values = sub.dataSync();
  assert.ok(values.every(Number.isFinite) && values.some((v) => v !== 0));
  tf.dispose([x, w, grad, sub]);
});

Deno.test("clipped outputs pass no gradient", () => {
  // Left half far above white, right half far below black: every output is clipped.
  const x = tf.tidy(() => tf.concat([tf.fill([1, 16, 8, 3], 320), tf.fill([1, 16, 8, 3], -60)], 2));
  const out = jpegApprox(x as tf.Tensor4D, 75);
  const grad = tf.grad((v: tf.Tensor) => jpegApprox(v as tf.Tensor4D, 75).sum())(x);
  const [low, high] = tf.tidy(() => [out.min().dataSync()[0], out.max().dataSync()[0]]);
  assert.deepEqual([low, high], [0, 255]);
  assert.equal(tf.tidy(() => grad.abs().max().dataSync()[0]), 0);
  tf.dispose([x, out, grad]);
});

Deno.test("odd sizes and batches keep their shape; batch items are independent", async () => {
  const x = await photoBatch(2, 37, 53);
  const both = jpegApprox(x, 60);
  assert.deepEqual(both.shape, [2, 37, 53, 3]);
  const [low, high] = tf.tidy(() => [both.min().dataSync()[0], both.max().dataSync()[0]]);
  assert.ok(low >= 0 && high <= 255, `range ${low}..${high}`);
  const second = tf.tidy(() => jpegApprox(x.slice([1, 0, 0, 0], [1, 37, 53, 3]), 60));
  const gap = tf.tidy(() => both.slice([1, 0, 0, 0], [1, 37, 53, 3]).sub(second).abs().max());
  assert.ok(gap.dataSync()[0] < 1e-3, `batch item 1 alone differs by ${gap.dataSync()[0]}`);
  for (const [h, w] of [[1, 1], [7, 30], [16, 16], [17, 9]]) {
    for (const chromaSubsampling of [true, false]) {
      const out = tf.tidy(() => jpegApprox(tf.fill([1, h, w, 3], 100), 80, { chromaSubsampling }));
      assert.deepEqual(out.shape, [1, h, w, 3]);
      // A flat grey keeps its level: only its DC coefficient, 8 * (100 - 128) / 6 = -37.3 at
      // quality 80, is rounded (to -37 + (-0.33)^3), which moves it by 0.22.
      const flat = tf.tidy(() => out.sub(100).abs().max().dataSync()[0]);
      assert.ok(flat > 0.2 && flat < 0.25, `${h}x${w}: flat grey moved by ${flat}`);
      out.dispose();
    }
  }
  tf.dispose([x, both, second, gap]);
});

Deno.test("no tensors leak from forward or backward", () => {
  const x = tf.randomUniform([1, 20, 36, 3], 0, 255) as tf.Tensor4D;
  const run = () => {
    jpegApprox(x, 70).dispose();
    tf.grad((v: tf.Tensor) => jpegApprox(v as tf.Tensor4D, 70).sum())(x).dispose();
  };
  run(); // builds the cached constants
  const before = tf.memory().numTensors;
  run();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

Deno.test("bad arguments throw RangeErrors naming the parameter", () => {
  const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  const rank3 = tf.zeros([8, 8, 3]) as unknown as tf.Tensor4D;
  const rgba = tf.zeros([1, 8, 8, 4]) as tf.Tensor4D;
  const empty = tf.zeros([0, 8, 8, 3]) as tf.Tensor4D;
  const integers = tf.zeros([1, 8, 8, 3], "int32") as tf.Tensor4D;
  const cases: [() => unknown, RegExp][] = [
    [() => jpegApprox(x, 0), /quality/],
    [() => jpegApprox(x, 101), /quality/],
    [() => jpegApprox(x, NaN), /quality/],
    [() => jpegApprox(x, "75" as unknown as number), /quality/],
    [() => jpegQuantTables(-5), /quality/],
    [() => jpegApprox(rank3, 75), /images/],
    [() => jpegApprox(rgba, 75), /images/],
    [() => jpegApprox(empty, 75), /images/],
    [() => jpegApprox(integers, 75), /images.*float32/],
    [() => jpegApprox(x, 75, { rounding: "floor" as "cubic" }), /rounding/],
    [() => jpegApprox(x, 75, { chromaSubsampling: 1 as unknown as boolean }), /chromaSubsampling/],
  ];
  for (const [call, pattern] of cases) {
    assert.throws(call, (e: Error) => e instanceof RangeError && pattern.test(e.message));
  }
  tf.dispose([x, rank3, rgba, empty, integers]);
});
