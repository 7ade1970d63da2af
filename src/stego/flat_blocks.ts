/**
 * Which blocks the do-not-process code leaves out. Moving a DCT coefficient onto its QIM
 * lattice changes a block's luma by about 1.2 grey levels RMS whatever the block looks like;
 * in a textured block that change hides in the texture, in a flat one (sky, skin, a wall)
 * SSIM's structure term and the eye see it most. When a photo offers each coded bit more
 * repetitions than a robust reading needs, the flattest blocks stay untouched.
 *
 * The reader applies the same rule to the photo it receives and ignores those blocks: a
 * spared block stays flat (JPEG only flattens it further) while a marked one gains the mark's
 * texture, so both sides pick nearly the same blocks, and an older mark that spared nothing
 * simply reads with fewer repetitions.
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { readBlockLuma } from "./block_luma.ts";
import { CODE_CODED_BITS } from "./frame.ts";
import { codeSlotCount, type SlotLayout, STEGO_COEFFICIENTS } from "./layout.ts";

/**
 * Repetitions per coded bit that stay marked: the text body's default, which reads through
 * JPEG q65.
 */
export const KEPT_REPETITIONS = 24;
/** Blocks whose luma standard deviation reaches this (grey levels) are never left out. */
export const FLAT_BLOCK_STD = 6;

/**
 * The blocks (1 = leave out) the do-not-process code spares in `image`: of the blocks its
 * slots fall in, the flattest ones below FLAT_BLOCK_STD, as many as leave each coded bit at
 * least KEPT_REPETITIONS of its repetitions.
 */
export function codeSparedBlocks(image: RgbImage, layout: SlotLayout): Uint8Array {
  const { blocksX, blocksY, permutation } = layout;
  const spared = new Uint8Array(blocksX * blocksY);
  const end = codeSlotCount(layout.slots);
  const share = 1 - KEPT_REPETITIONS / (end / CODE_CODED_BITS);
  if (share <= 0) return spared;
  const count = STEGO_COEFFICIENTS.length;
  const used = new Uint8Array(spared.length);
  for (let at = 0; at < end; at++) used[Math.floor(permutation.backward(at) / count)] = 1;
  const luma = new Float32Array(64);
  const flat: { block: number; std: number }[] = [];
  let usedCount = 0;
  for (let block = 0; block < used.length; block++) {
    if (!used[block]) continue;
    usedCount++;
    readBlockLuma(image.data, image.width, block % blocksX, Math.floor(block / blocksX), luma);
    const std = standardDeviation(luma);
    if (std < FLAT_BLOCK_STD) flat.push({ block, std });
  }
  flat.sort((a, b) => a.std - b.std || a.block - b.block);
  const left = Math.min(flat.length, Math.floor(share * usedCount));
  for (let i = 0; i < left; i++) spared[flat[i].block] = 1;
  return spared;
}

/** Population standard deviation of a block's 64 values. */
function standardDeviation(values: Float32Array): number {
  let sum = 0, squares = 0;
  for (const value of values) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / values.length;
  return Math.sqrt(Math.max(0, squares / values.length - mean * mean));
}
