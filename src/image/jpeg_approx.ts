/**
 * A differentiable approximation of baseline JPEG (after Shin & Song 2017, "JPEG-resistant
 * adversarial images"), for use inside an attack's loss so that perturbations survive real
 * re-encoding.
 *
 * It follows libjpeg step by step: edge replication to whole MCUs, JFIF YCbCr, 4:2:0 chroma
 * by 2x2 averaging, level shift, orthonormal 8x8 DCT, the Annex K quantisation tables scaled as
 * `jpeg_set_quality` does, rounding, dequantisation, inverse DCT, libjpeg-turbo's "fancy"
 * (bilinear) chroma upsampling and back to RGB. Rounding is replaced by a function with a
 * useful gradient. Everything else is linear, so DCT and quantiser are folded into one 64x64
 * matrix each way.
 *
 * The backward pass is written out by hand (still tfjs ops, checked against finite
 * differences): on the wasm backend tfjs's automatic one took 1.6 s against 0.3 s for a
 * 1920 x 1280 photo, through slow kernels (Conv2DBackpropInput, DepthToSpace, Select, MatMul
 * with a transposed operand, 4-D Slice and Pad) and the generic half-pixel bilinear-resize
 * gradient registered for small in-model layers.
 */
import * as tf from "@tensorflow/tfjs";

/** How rounding to integers is made differentiable. */
export type JpegRounding = "cubic" | "straight-through";

/** Options for jpegApprox. */
export interface JpegApproxOptions {
  /** Subsample chroma 4:2:0 as libjpeg does by default (default true); false means 4:4:4. */
  chromaSubsampling?: boolean;
  /**
   * "cubic" (default): round(x) + (x - round(x))^3, near rounding with gradient
   * 3 (x - round(x))^2; "straight-through": exact rounding forward, identity backward.
   */
  rounding?: JpegRounding;
}

/** The quantisation tables of JPEG Annex K, natural row-major order (libjpeg's quality 50). */
export const JPEG_BASE_TABLES: {
  readonly luma: readonly number[];
  readonly chroma: readonly number[];
} = Object.freeze({
  luma: [
    ...[16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55],
    ...[14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62],
    ...[18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92],
    ...[49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
  ],
  chroma: [
    ...[17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99],
    ...[24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99],
    ...new Array<number>(32).fill(99),
  ],
});

/**
 * The luminance and chrominance tables of libjpeg's `jpeg_set_quality(quality, TRUE)`, in
 * natural row-major order (index 8 * vertical frequency + horizontal frequency).
 */
export function jpegQuantTables(quality: number): { luma: Float32Array; chroma: Float32Array } {
  checkQuality(quality, "jpegQuantTables");
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const scaled = (base: readonly number[]) =>
    Float32Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
  return { luma: scaled(JPEG_BASE_TABLES.luma), chroma: scaled(JPEG_BASE_TABLES.chroma) };
}

/**
 * Approximates JPEG compression at `quality` (1..100 as in libjpeg; fractions interpolate its
 * formula) of RGB images [batch, height, width, 3] with values 0..255; differentiable, same shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "../backend.ts";
 * import { jpegApprox } from "./jpeg_approx.ts";
 * import { jpegRoundTrip } from "./encode.ts";
 * import { imageToTensor } from "./rgb_image.ts";
 * await initBackend("wasm");
 * const ramp = Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) % 16 * 16);
 * const image = { width: 16, height: 16, data: ramp };
 * const [x, real] = [imageToTensor(image), imageToTensor(await jpegRoundTrip(image, 75))];
 * const approx = jpegApprox(x, 75);
 * assert.deepEqual(approx.shape, [1, 16, 16, 3]);
 * assert.ok(tf.tidy(() => approx.sub(real).abs().max().dataSync()[0]) < 2); // near real JPEG
 * tf.dispose([x, real, approx]);
 * ```
 */
export function jpegApprox(
  images: tf.Tensor4D,
  quality: number,
  options: JpegApproxOptions = {},
): tf.Tensor4D {
  checkQuality(quality, "jpegApprox");
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[3] !== 3) {
    const got = images instanceof tf.Tensor ? `shape [${images.shape}]` : typeof images;
    throw new RangeError(
      `jpegApprox: images must be a tensor [batch, height, width, 3], got ${got}`,
    );
  }
  if (images.size === 0) {
    throw new RangeError(`jpegApprox: images must not be empty, got shape [${images.shape}]`);
  }
  if (images.dtype !== "float32") {
    throw new RangeError(`jpegApprox: images must be float32, got ${images.dtype}`);
  }
  const subsample = options.chromaSubsampling ?? true;
  if (typeof subsample !== "boolean") {
    throw new RangeError(
      `jpegApprox: options.chromaSubsampling must be a boolean, got ${String(subsample)}`,
    );
  }
  const rounding = options.rounding ?? "cubic";
  if (rounding !== "cubic" && rounding !== "straight-through") {
    throw new RangeError(
      `jpegApprox: options.rounding must be "cubic" or "straight-through", got ${String(rounding)}`,
    );
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const pass = new JpegPass(x, quality, subsample, rounding === "cubic");
    const { value, saved } = pass.forward();
    save(saved);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, kept: tf.Tensor[]) => pass.backward(dy, kept),
    };
  });
  return op(images) as tf.Tensor4D;
}

function checkQuality(quality: number, caller: string): void {
  if (typeof quality !== "number" || !Number.isFinite(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`${caller}: quality must be a number in 1..100, got ${String(quality)}`);
  }
}

/**
 * One call's shapes and constants. Forward: x -> pad -> (luma | chroma) -> add -> clip -> crop.
 * Luma: Y - 128 -> blocks -> z = B F -> round -> B P -> pixels -> +128 into all channels.
 * Chroma: avgPool -> Cb, Cr -> blocks -> round -> pixels -> RGB share -> bilinear 2x.
 */
class JpegPass {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  /** Padded to whole MCUs. */
  readonly ph: number;
  readonly pw: number;
  /** Chroma plane size (half the padded size when subsampled). */
  readonly ch: number;
  readonly cw: number;

  constructor(
    readonly x: tf.Tensor4D,
    readonly quality: number,
    readonly subsample: boolean,
    readonly cubic: boolean,
  ) {
    [this.batch, this.height, this.width] = x.shape;
    const mcu = subsample ? 16 : 8;
    this.ph = Math.ceil(this.height / mcu) * mcu;
    this.pw = Math.ceil(this.width / mcu) * mcu;
    this.ch = subsample ? this.ph / 2 : this.ph;
    this.cw = subsample ? this.pw / 2 : this.pw;
  }

  /** The approximation and the tensors backward needs: pre-clip sum, rounding slopes. */
  forward(): { value: tf.Tensor4D; saved: tf.Tensor[] } {
    const { batch, ph, pw, ch, cw } = this;
    const k = qualityConstants(this.quality);
    const c = colourConstants();
    const xp = padEdges(this.x, ph, pw);
    const yShifted = tf.fused.conv2d({
      x: xp,
      filter: c.rgbToY,
      strides: 1,
      pad: "valid",
      bias: c.minus128,
    });
    const yRound = this.round(tf.matMul(toBlocks(yShifted), k.lumaForward));
    const yBack = fromBlocks(tf.matMul(yRound.value, k.lumaInverse), [batch, ph, pw, 1]);
    // Replicating Y into R, G and B with the +128 as bias costs one xnnpack pass; a
    // broadcasting add of [.., 1] onto [.., 3] is several times slower on wasm.
    const y3 = tf.fused.conv2d({
      x: yBack,
      filter: c.ones1x3,
      strides: 1,
      pad: "valid",
      bias: c.plus128,
    });
    // Averaging commutes with the linear colour transform, so pool RGB, then convert.
    const pooled = this.subsample ? tf.avgPool(xp, 2, 2, "valid") : xp;
    const cbcr = tf.conv2d(pooled, c.rgbToCbCr, 1, "valid");
    const cRound = this.round(tf.matMul(toBlocks(cbcr), k.chromaForward));
    const cBack = fromBlocks(tf.matMul(cRound.value, k.chromaInverse), [batch, ch, cw, 2]);
    let chromaRgb = tf.conv2d(cBack, c.cbcrToRgb, 1, "valid");
    if (this.subsample) {
      chromaRgb = tf.image.resizeBilinear(chromaRgb, [ph, pw], false, true);
    }
    const sum = chromaRgb.add(y3) as tf.Tensor4D;
    const value = crop(sum.clipByValue(0, 255) as tf.Tensor4D, this.height, this.width);
    const slopes = [yRound.slope, cRound.slope].filter((t): t is tf.Tensor2D => t !== undefined);
    return { value, saved: [sum, ...slopes] };
  }

  /** The adjoint of each forward step, in reverse order. */
  backward(dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor4D {
    const { batch, ph, pw, ch, cw } = this;
    // Looked up again: a loss with many qualities may have evicted forward's constants.
    const k = qualityConstants(this.quality);
    const c = colourConstants();
    const [sum, ySlope, cSlope] = saved;
    return tf.tidy(() => {
      // Clipping passes the gradient only where 0 < sum < 255 (step is one fast kernel).
      const inRange = sum.step().mul(tf.scalar(255).sub(sum).step());
      const g = uncrop(dy, ph, pw).mul(inRange) as tf.Tensor4D;
      // Luma.
      let yg = tf.matMul(toBlocks(g.sum(3, true) as tf.Tensor4D), k.lumaInverseT);
      if (ySlope) yg = yg.mul(ySlope);
      const yPix = fromBlocks(tf.matMul(yg, k.lumaForwardT), [batch, ph, pw, 1]);
      const dLuma = tf.conv2d(yPix, c.rgbToYAdjoint, 1, "valid");
      // Chroma: the bilinear upsampling's adjoint (with the RGB share folded in) is a stride-2
      // convolution; replicating the edge by one reproduces the clamped neighbours.
      const cg0 = this.subsample
        ? tf.conv2d(
          tf.mirrorPad(g, [[0, 0], [1, 1], [1, 1], [0, 0]], "symmetric"),
          c.upsampleAdjoint,
          2,
          "valid",
        )
        : tf.conv2d(g, c.cbcrToRgbAdjoint, 1, "valid");
      let cg = tf.matMul(toBlocks(cg0), k.chromaInverseT);
      if (cSlope) cg = cg.mul(cSlope);
      const cPix = fromBlocks(tf.matMul(cg, k.chromaForwardT), [batch, ch, cw, 2]);
      const toRgb = this.subsample ? c.rgbToCbCrAdjointQuarter : c.rgbToCbCrAdjoint;
      let dChroma = tf.conv2d(cPix, toRgb, 1, "valid");
      if (this.subsample) {
        dChroma = tf.image.resizeNearestNeighbor(dChroma, [ph, pw], false, true);
      }
      return unpadEdges(dLuma.add(dChroma) as tf.Tensor4D, this.height, this.width);
    });
  }

  /** Rounding and, for cubic rounding, its slope 3 (z - round z)^2 for backward. */
  round(z: tf.Tensor2D): { value: tf.Tensor2D; slope?: tf.Tensor2D } {
    const r = z.round();
    if (!this.cubic) return { value: r };
    const d = z.sub(r);
    const d2 = d.mul(d);
    return { value: r.add(d2.mul(d)), slope: d2.mul(3) };
  }
}

/**
 * [b, h, w, c] -> [b * (h / 8) * (w / 8), 64 * c]: one row per 8x8 block, pixel-major with the
 * channel innermost (moving the channel outward is a slow transpose on wasm).
 */
function toBlocks(x: tf.Tensor4D): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  return x.reshape([b, h / 8, 8, w / 8, 8, c]).transpose([0, 1, 3, 2, 4, 5]).reshape([-1, 64 * c]);
}

/** The inverse of toBlocks. */
function fromBlocks(blocks: tf.Tensor2D, shape: [number, number, number, number]): tf.Tensor4D {
  const [b, h, w, c] = shape;
  return blocks.reshape([b, h / 8, w / 8, 8, 8, c]).transpose([0, 1, 3, 2, 4, 5]).reshape(shape);
}

// Slices and pads of 4-D tensors are slow generic kernels on wasm; contiguous 2-D ones are
// memory copies, hence the reshapes below.

/** Pads to [.., ph, pw, ..] by repeating the last row and column, as libjpeg does. */
function padEdges(x: tf.Tensor4D, ph: number, pw: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  let out = x;
  if (pw > w) {
    const edge = out.slice([0, 0, w - 1, 0], [b, h, 1, c]).tile([1, 1, pw - w, 1]);
    out = tf.concat([out, edge], 2) as tf.Tensor4D;
  }
  if (ph > h) {
    const edge = out.slice([0, h - 1, 0, 0], [b, 1, pw, c]).tile([1, ph - h, 1, 1]);
    out = tf.concat([out, edge], 1) as tf.Tensor4D;
  }
  return out;
}

/** The adjoint of padEdges: gradients of repeated pixels add onto the pixel they copy. */
function unpadEdges(g: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [b, ph, pw, c] = g.shape;
  let out: tf.Tensor = g;
  if (ph > h) {
    out = foldTail(out.reshape([b, ph * pw * c]), (h - 1) * pw * c, ph - h + 1, pw * c);
  }
  if (pw > w) {
    out = foldTail(out.reshape([b * h, pw * c]), (w - 1) * c, pw - w + 1, c);
  }
  return out.reshape([b, h, w, c]);
}

/** Keeps the first `head` columns of a 2-D tensor and appends the sum of the `n` tail chunks. */
function foldTail(x: tf.Tensor, head: number, n: number, chunk: number): tf.Tensor2D {
  const rows = x.shape[0];
  const tail = x.slice([0, head], [rows, n * chunk]).reshape([rows, n, chunk]).sum(1);
  return (head === 0 ? tail : tf.concat([x.slice([0, 0], [rows, head]), tail], 1)) as tf.Tensor2D;
}

/** Crops [b, ph, pw, c] to [b, h, w, c] from the top-left corner. */
function crop(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [b, ph, pw, c] = x.shape;
  if (ph === h && pw === w) return x;
  return x.reshape([b, ph * pw * c]).slice([0, 0], [b, h * pw * c])
    .reshape([b * h, pw * c]).slice([0, 0], [b * h, w * c])
    .reshape([b, h, w, c]);
}

/** The adjoint of crop: zeros where the padding was. */
function uncrop(g: tf.Tensor4D, ph: number, pw: number): tf.Tensor4D {
  const [b, h, w, c] = g.shape;
  if (ph === h && pw === w) return g;
  let out: tf.Tensor = g.reshape([b * h, w * c]);
  if (pw > w) out = tf.concat([out, tf.zeros([b * h, (pw - w) * c])], 1);
  out = out.reshape([b, h * pw * c]);
  if (ph > h) out = tf.concat([out, tf.zeros([b, (ph - h) * pw * c])], 1);
  return out.reshape([b, ph, pw, c]);
}

/** JFIF RGB -> YCbCr rows (libjpeg's jccolor.c); Cb and Cr's +128 cancels the level shift. */
const RGB_TO_YCC = [
  [0.299, 0.587, 0.114],
  [-0.168735892, -0.331264108, 0.5],
  [0.5, -0.418687589, -0.081312411],
];
/** Cb, Cr -> their share of R, G, B (libjpeg's jdcolor.c); Y adds to all three. */
const CBCR_TO_RGB = [
  [0, -0.344136286, 1.772],
  [1.402, -0.714136286, 0],
];

interface ColourConstants {
  rgbToY: tf.Tensor4D;
  minus128: tf.Tensor1D;
  ones1x3: tf.Tensor4D;
  plus128: tf.Tensor1D;
  rgbToCbCr: tf.Tensor4D;
  cbcrToRgb: tf.Tensor4D;
  rgbToYAdjoint: tf.Tensor4D;
  cbcrToRgbAdjoint: tf.Tensor4D;
  rgbToCbCrAdjoint: tf.Tensor4D;
  rgbToCbCrAdjointQuarter: tf.Tensor4D;
  upsampleAdjoint: tf.Tensor4D;
}

let colour: ColourConstants | undefined;

/** 1x1 filters for colour conversion and their adjoints, made once. */
function colourConstants(): ColourConstants {
  if (colour && !colour.rgbToY.isDisposed) return colour;
  const [yRow, cbRow, crRow] = RGB_TO_YCC;
  // filter[in][out] for a 1x1 convolution from a matrix given as rows of outputs.
  const filter = (rows: number[][], scale = 1) =>
    tf.keep(tf.tensor4d(
      rows[0].flatMap((_, i) => rows.map((row) => row[i] * scale)),
      [1, 1, rows[0].length, rows.length],
    ));
  // Bilinear 2x upsampling's taps seen from one input: outputs 2i-1, 2i, 2i+1, 2i+2.
  const taps = [0.25, 0.75, 0.75, 0.25];
  const up = new Float32Array(4 * 4 * 3 * 2);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      for (let rgb = 0; rgb < 3; rgb++) {
        for (let comp = 0; comp < 2; comp++) {
          up[((i * 4 + j) * 3 + rgb) * 2 + comp] = taps[i] * taps[j] * CBCR_TO_RGB[comp][rgb];
        }
      }
    }
  }
  colour = {
    rgbToY: filter([yRow]),
    minus128: tf.keep(tf.tensor1d([-128])),
    ones1x3: filter([[1], [1], [1]]),
    plus128: tf.keep(tf.tensor1d([128, 128, 128])),
    rgbToCbCr: filter([cbRow, crRow]),
    cbcrToRgb: filter([0, 1, 2].map((ch) => [CBCR_TO_RGB[0][ch], CBCR_TO_RGB[1][ch]])),
    rgbToYAdjoint: filter([[yRow[0]], [yRow[1]], [yRow[2]]]),
    cbcrToRgbAdjoint: filter(CBCR_TO_RGB),
    rgbToCbCrAdjoint: filter([0, 1, 2].map((ch) => [cbRow[ch], crRow[ch]])),
    // avgPool's adjoint spreads each value over 2x2 pixels with weight 1/4.
    rgbToCbCrAdjointQuarter: filter([0, 1, 2].map((ch) => [cbRow[ch], crRow[ch]]), 0.25),
    upsampleAdjoint: tf.keep(tf.tensor4d(up, [4, 4, 3, 2])),
  };
  return colour;
}

interface QualityConstants {
  lumaForward: tf.Tensor2D;
  lumaForwardT: tf.Tensor2D;
  lumaInverse: tf.Tensor2D;
  lumaInverseT: tf.Tensor2D;
  chromaForward: tf.Tensor2D;
  chromaForwardT: tf.Tensor2D;
  chromaInverse: tf.Tensor2D;
  chromaInverseT: tf.Tensor2D;
}

// Attacks call this every step, usually with a few qualities; the matrices take 160 KiB in all.
const byQuality = new Map<number, QualityConstants>();

/** DCT-and-quantise matrices (pixels -> z = DCT / q) and back (rounded z -> pixels). */
function qualityConstants(quality: number): QualityConstants {
  const hit = byQuality.get(quality);
  if (hit && !hit.lumaForward.isDisposed) return hit;
  const { luma, chroma } = jpegQuantTables(quality);
  // Orthonormal DCT-II: C[u][i] = a(u) cos((2i + 1) u pi / 16); JPEG's 2-D DCT is C X C^T.
  const c = (u: number, i: number) =>
    (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * i + 1) * u * Math.PI) / 16);
  // basis(k, p): coefficient k = 8u + v against pixel p = 8i + j.
  const basis = (k: number, p: number) => c(k >> 3, p >> 3) * c(k & 7, p & 7);
  // Rows or columns indexed by pixel p and channel: luma p, chroma 2p + component; chroma
  // coefficients are 64 * component + k. The unused cross-component entries stay zero.
  const matrix = (
    channels: number,
    pixelRows: boolean,
    f: (k: number, p: number) => number,
  ) => {
    const n = 64 * channels;
    const m = new Float32Array(n * n);
    for (let comp = 0; comp < channels; comp++) {
      for (let k = 0; k < 64; k++) {
        for (let p = 0; p < 64; p++) {
          const pixel = p * channels + comp;
          const coef = comp * 64 + k;
          m[pixelRows ? pixel * n + coef : coef * n + pixel] = f(k, p);
        }
      }
    }
    return tf.keep(tf.tensor2d(m, [n, n]));
  };
  const made: QualityConstants = {
    lumaForward: matrix(1, true, (k, p) => basis(k, p) / luma[k]),
    lumaForwardT: matrix(1, false, (k, p) => basis(k, p) / luma[k]),
    lumaInverse: matrix(1, false, (k, p) => basis(k, p) * luma[k]),
    lumaInverseT: matrix(1, true, (k, p) => basis(k, p) * luma[k]),
    chromaForward: matrix(2, true, (k, p) => basis(k, p) / chroma[k]),
    chromaForwardT: matrix(2, false, (k, p) => basis(k, p) / chroma[k]),
    chromaInverse: matrix(2, false, (k, p) => basis(k, p) * chroma[k]),
    chromaInverseT: matrix(2, true, (k, p) => basis(k, p) * chroma[k]),
  };
  if (byQuality.size >= 32) {
    const [oldest, old] = byQuality.entries().next().value as [number, QualityConstants];
    byQuality.delete(oldest);
    for (const t of Object.values(old)) t.dispose();
  }
  byQuality.set(quality, made);
  return made;
}
