/**
 * Where each coded bit goes. Every full 8x8 luma block on the JPEG grid (from the top-left
 * corner) offers eight mid-frequency DCT coefficients, its "slots". A keyed Fisher-Yates
 * permutation scatters slot order over the whole photo; the first eighth of the permuted slots
 * carry the header, cycled, and the rest the message body, cycled. So every coded bit is
 * repeated many times at places spread across the image: losing a corner (a badge) or a flat
 * sky only thins each bit's repetitions a little.
 */
import { BLOCK_SIZE } from "./dct.ts";
import { bodyCodedBits, HEADER_CODED_BITS } from "./frame.ts";
import { seededRandom } from "../random.ts";

/**
 * DCT coefficients used, as [row frequency, column frequency]: zig-zag positions 3-9 and 12.
 * JPEG quality 75 quantises them with steps 5-8 (libjpeg's scaled luma table), well under half
 * the default QIM step, while they are coarse enough not to look like noise.
 */
export const STEGO_COEFFICIENTS: readonly (readonly [number, number])[] = [
  [2, 0],
  [1, 1],
  [0, 2],
  [0, 3],
  [1, 2],
  [2, 1],
  [3, 0],
  [2, 2],
];

/** The default key seeding the permutation and the dither (the project's public default). */
export const DEFAULT_STEGO_KEY = 0x45714149; // "EqAI"

/** One slot in this many carries the header. */
const HEADER_SHARE = 8;

/** Fewest repetitions of each coded bit that a photo must offer (checked when embedding). */
export const MIN_REPETITIONS = 6;

/** The slot geometry of one image size and key. */
export interface SlotLayout {
  /** Full blocks across. */
  blocksX: number;
  /** Full blocks down. */
  blocksY: number;
  /** Total slots: blocksX * blocksY * coefficients. */
  slots: number;
  /** Slots that carry the header (permuted positions 0 .. headerSlots - 1). */
  headerSlots: number;
  /** `position[slot]`: the slot's place in the permuted order. */
  position: Int32Array;
}

/** Slots of a width x height image (0 when it has no full block). */
export function slotCount(width: number, height: number): number {
  return Math.floor(width / BLOCK_SIZE) * Math.floor(height / BLOCK_SIZE) *
    STEGO_COEFFICIENTS.length;
}

/** Builds the layout; deterministic in (width, height, key). */
export function slotLayout(width: number, height: number, key: number): SlotLayout {
  const blocksX = Math.floor(width / BLOCK_SIZE), blocksY = Math.floor(height / BLOCK_SIZE);
  const slots = blocksX * blocksY * STEGO_COEFFICIENTS.length;
  const position = new Int32Array(slots);
  for (let i = 0; i < slots; i++) position[i] = i;
  const random = seededRandom(key);
  for (let i = slots - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const swap = position[i];
    position[i] = position[j];
    position[j] = swap;
  }
  return { blocksX, blocksY, slots, headerSlots: Math.floor(slots / HEADER_SHARE), position };
}

/** Slots an image needs to carry a message of `length` bytes with MIN_REPETITIONS. */
export function slotsNeeded(length: number): number {
  const forHeader = HEADER_CODED_BITS * MIN_REPETITIONS * HEADER_SHARE;
  const forBody = Math.ceil(
    bodyCodedBits(length) * MIN_REPETITIONS * HEADER_SHARE / (HEADER_SHARE - 1),
  );
  return Math.max(forHeader, forBody);
}

/** Whether a layout carries a body of `length` bytes with MIN_REPETITIONS. */
export function fitsMessage(layout: SlotLayout, length: number): boolean {
  return layout.headerSlots >= HEADER_CODED_BITS * MIN_REPETITIONS &&
    layout.slots - layout.headerSlots >= bodyCodedBits(length) * MIN_REPETITIONS;
}
