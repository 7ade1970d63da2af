/**
 * Where each coded bit goes. Every full 8x8 luma block on the JPEG grid (from the top-left
 * corner) offers eight low- and mid-frequency DCT coefficients, its "slots". A keyed
 * pseudo-random permutation (permutation.ts) scatters slot order over the whole photo. The
 * first permuted slots carry the header, cycled; the next ones the message body, cycled, as
 * many as its repetition count asks for (or all that are left); the rest stay untouched, so a
 * large photo pays for the message it carries, not for its size. Every coded bit is thus
 * repeated at places spread across the image: losing a corner (a badge) or a flat sky only
 * thins each bit's repetitions.
 *
 * The do-not-process code (message.ts) has no header: its one short codeword takes the first
 * permuted slots, cycled, up to CODE_REPETITIONS per coded bit, at the header's QIM step. A
 * text needs at least 7200 slots (900 for six looks at its header, an eighth of the slots: about
 * 240x240 pixels), the code 972 (96x96). A photo carries one or the other; a reader tries the
 * text frame first, then the code.
 */
import { BLOCK_SIZE } from "./dct.ts";
import { bodyCodedBits, CODE_CODED_BITS, HEADER_CODED_BITS, MAX_MESSAGE_BYTES } from "./frame.ts";
import { KeyedPermutation } from "./permutation.ts";

/**
 * DCT coefficients used, as [row frequency, column frequency]: zig-zag positions 1-5, 7, 8
 * and 12. JPEG quality 75 quantises them with steps 5-8 (libjpeg's scaled luma table), at most
 * two thirds of the default QIM step, and they change pixels smoothly (no salt-and-pepper).
 */
export const STEGO_COEFFICIENTS: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 0],
  [1, 1],
  [0, 2],
  [2, 0],
  [1, 2],
  [2, 1],
  [2, 2],
];

/** The default key seeding the permutation and the dither (the project's public default). */
export const DEFAULT_STEGO_KEY = 0x45714149; // "EqAI"

/** At most this share of the slots carries the header. */
const HEADER_SHARE = 8;
/** Repetitions of the header when the photo has room: finding the header is everything. */
const HEADER_REPETITIONS = 48;

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
  /** Slot index to permuted position (forward) and back (backward). */
  permutation: KeyedPermutation;
}

/** Header slots of an image with `slots` slots. */
function headerSlotCount(slots: number): number {
  return Math.min(Math.floor(slots / HEADER_SHARE), HEADER_REPETITIONS * HEADER_CODED_BITS);
}

/** Builds the layout; deterministic in (width, height, key). */
export function slotLayout(width: number, height: number, key: number): SlotLayout {
  const blocksX = Math.floor(width / BLOCK_SIZE), blocksY = Math.floor(height / BLOCK_SIZE);
  const slots = blocksX * blocksY * STEGO_COEFFICIENTS.length;
  const permutation = new KeyedPermutation(slots, key);
  return { blocksX, blocksY, slots, headerSlots: headerSlotCount(slots), permutation };
}

/**
 * Body slots (permuted positions headerSlots .. headerSlots + count - 1) for a body of
 * `codedBits` repeated `repetitions` times (0: every slot after the header).
 */
export function bodySlotCount(layout: SlotLayout, codedBits: number, repetitions: number): number {
  const free = layout.slots - layout.headerSlots;
  return repetitions === 0 ? free : Math.min(free, repetitions * codedBits);
}

/** Whether `slots` slots carry a message of `length` bytes with MIN_REPETITIONS. */
export function fitsMessage(slots: number, length: number): boolean {
  const headerSlots = headerSlotCount(slots);
  return headerSlots >= HEADER_CODED_BITS * MIN_REPETITIONS &&
    slots - headerSlots >= bodyCodedBits(length) * MIN_REPETITIONS;
}

/**
 * The longest message (UTF-8 bytes, at most MAX_MESSAGE_BYTES) a width x height photo carries
 * robustly; 0 when it is too small for any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageCapacity } from "./layout.ts";
 * assert.equal(messageCapacity(256, 256), 45); // UTF-8 bytes of a text message
 * assert.equal(messageCapacity(128, 128), 0); // too small for a text: the code still fits
 * ```
 */
export function messageCapacity(width: number, height: number): number {
  const slots = Math.floor(width / BLOCK_SIZE) * Math.floor(height / BLOCK_SIZE) *
    STEGO_COEFFICIENTS.length;
  let length = MAX_MESSAGE_BYTES;
  while (length > 0 && !fitsMessage(slots, length)) length--;
  return length;
}

/** Fewest full blocks an image needs to carry a message of `length` bytes. */
export function blocksNeeded(length: number): number {
  // The header takes an eighth of the slots while the photo is this small.
  const slots = Math.max(
    HEADER_CODED_BITS * MIN_REPETITIONS * HEADER_SHARE,
    Math.ceil(bodyCodedBits(length) * MIN_REPETITIONS * HEADER_SHARE / (HEADER_SHARE - 1)),
  );
  return Math.ceil(slots / STEGO_COEFFICIENTS.length);
}

/** Slots per coded bit of the do-not-process code when the photo has room. */
export const CODE_REPETITIONS = 48;

/** Slots of the do-not-process code in a photo with `slots` slots (permuted 0 .. count - 1). */
export function codeSlotCount(slots: number): number {
  return Math.min(slots, CODE_REPETITIONS * CODE_CODED_BITS);
}

/** Whether a photo with `slots` slots carries the do-not-process code with MIN_REPETITIONS. */
export function fitsCode(slots: number): boolean {
  return slots >= CODE_CODED_BITS * MIN_REPETITIONS;
}

/**
 * Whether a width x height photo carries the do-not-process code robustly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codeFits } from "./layout.ts";
 * assert.equal(codeFits(128, 128), true);
 * assert.equal(codeFits(64, 64), false);
 * ```
 */
export function codeFits(width: number, height: number): boolean {
  return fitsCode(
    Math.floor(width / BLOCK_SIZE) * Math.floor(height / BLOCK_SIZE) *
      STEGO_COEFFICIENTS.length,
  );
}
