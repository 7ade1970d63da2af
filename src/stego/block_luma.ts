/**
 * Reading and changing the luma (JPEG's Y = 0.299 R + 0.587 G + 0.114 B) of one 8x8 block of an
 * RGB image. A luma change is added equally to R, G and B: the weights sum to 1, so Y moves by
 * exactly that amount while JPEG's chroma (Cb, Cr, whose weights sum to 0) stays untouched and
 * chroma subsampling cannot blur the mark.
 */
import { BLOCK_SIZE } from "./dct.ts";

/** Writes the 64 luma values of block (bx, by) into `out`, row-major. */
export function readBlockLuma(
  data: Uint8Array,
  width: number,
  bx: number,
  by: number,
  out: Float32Array,
): void {
  for (let y = 0; y < BLOCK_SIZE; y++) {
    let i = ((by * BLOCK_SIZE + y) * width + bx * BLOCK_SIZE) * 3;
    for (let x = 0; x < BLOCK_SIZE; x++, i += 3) {
      out[y * BLOCK_SIZE + x] = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    }
  }
}

/**
 * Adds `delta[y * 8 + x]` to R, G and B of block (bx, by), rounding and clamping to 0..255;
 * returns whether any value had to be clamped.
 */
export function addBlockLuma(
  data: Uint8Array,
  width: number,
  bx: number,
  by: number,
  delta: Float32Array,
): boolean {
  let clamped = false;
  for (let y = 0; y < BLOCK_SIZE; y++) {
    let i = ((by * BLOCK_SIZE + y) * width + bx * BLOCK_SIZE) * 3;
    for (let x = 0; x < BLOCK_SIZE; x++, i += 3) {
      const d = delta[y * BLOCK_SIZE + x];
      for (let c = i; c < i + 3; c++) {
        const value = data[c] + d;
        // A Uint8Array wraps out-of-range values instead of clamping them.
        if (value < 0 || value > 255) clamped = true;
        data[c] = Math.round(Math.min(255, Math.max(0, value)));
      }
    }
  }
  return clamped;
}
