/**
 * Nearest-neighbour upsampling by whole powers of two on wasm, as row copies. tfjs 4.22's
 * wasm ResizeNearestNeighbor maps every output element back with float arithmetic in
 * C++; the 2x2 max-pool gradient (max_pool_grad.ts) upsamples the pool's output and
 * gradient with it, three calls per pool, which took 78 ms of a 440 ms face-api Tiny
 * gradient at 608x608 (53 ms at 303x303x16 alone). For a factor of 2^k (no corner
 * alignment, no half-pixel centres) output row y is input row y / 2^k exactly, so each
 * input row is widened once and copied down; other resizes are left to tfjs.
 */
import type * as tf from "@tensorflow/tfjs";
import { replaceWasmKernel, type WasmHeap } from "./wasm_heap.ts";

/** Whether n is 1, 2, 4, 8, ... */
function powerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Replaces the wasm ResizeNearestNeighbor kernel as above; safe to call again. */
export function registerRowCopyingWasmResizeNearest(): void {
  replaceWasmKernel("ResizeNearestNeighbor", (original) => (args) => {
    const images = args.inputs.images as tf.TensorInfo;
    const { alignCorners, halfPixelCenters, size } = args.attrs as unknown as {
      alignCorners: boolean;
      halfPixelCenters: boolean;
      size: [number, number];
    };
    const [batch, height, width, channels] = images.shape;
    const [outHeight, outWidth] = size;
    const fh = outHeight / height;
    const fw = outWidth / width;
    if (
      images.dtype !== "float32" || alignCorners || halfPixelCenters || !powerOfTwo(fh) ||
      !powerOfTwo(fw) || batch * height * width * channels === 0
    ) {
      return original(args);
    }
    const heap = args.backend as unknown as WasmHeap;
    const out = heap.makeOutput([batch, outHeight, outWidth, channels], "float32");
    // Views after the allocation, which may grow (and detach) the heap.
    const source = heap.typedArrayFromHeap(images) as Float32Array;
    const target = heap.typedArrayFromHeap(out) as Float32Array;
    upsampleRows(source, [batch, height, width, channels], fh, fw, target);
    return out;
  });
}

/** Nearest upsampling of an NHWC array by whole factors fh, fw into `target`. */
export function upsampleRows(
  source: Float32Array,
  shape: [number, number, number, number],
  fh: number,
  fw: number,
  target: Float32Array,
): void {
  const [batch, height, width, channels] = shape;
  const outRow = width * fw * channels;
  let written = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < height; y++) {
      const rowStart = written;
      let read = (b * height + y) * width * channels;
      for (let x = 0; x < width; x++) {
        for (let r = 0; r < fw; r++) {
          for (let c = 0; c < channels; c++) target[written + c] = source[read + c];
          written += channels;
        }
        read += channels;
      }
      // The same input row fills fh output rows.
      for (let r = 1; r < fh; r++) {
        target.copyWithin(written, rowStart, rowStart + outRow);
        written += outRow;
      }
    }
  }
}
