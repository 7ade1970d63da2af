/**
 * Hides a short text in a photo so that it survives JPEG re-encoding at quality 75 and above:
 * dithered QIM on eight low- and mid-frequency luma DCT coefficients of every 8x8 block on the JPEG
 * grid, carrying a convolutionally coded, CRC-checked frame repeated over keyed, scattered
 * slots (see layout.ts, frame.ts). Reading it back needs only the key, not the original.
 */
import { UserError } from "../errors.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { addBlockLuma, readBlockLuma } from "./block_luma.ts";
import { codeSparedBlocks } from "./flat_blocks.ts";
import { basisPattern, BLOCK_SIZE, project } from "./dct.ts";
import {
  CODE_CODED_BITS,
  encodeCodeFrame,
  encodeFrame,
  MAX_MESSAGE_BYTES,
  MAX_REPETITIONS,
} from "./frame.ts";
import {
  blocksNeeded,
  bodySlotCount,
  codeSlotCount,
  DEFAULT_STEGO_KEY,
  fitsCode,
  fitsMessage,
  MIN_REPETITIONS,
  type SlotLayout,
  slotLayout,
  STEGO_COEFFICIENTS,
} from "./layout.ts";
import { DEFAULT_STEGO_MESSAGE, parseDoNotProcess } from "./message.ts";
import { DEFAULT_QIM_STEP, ditherFor, headerStepFor, qimTarget } from "./qim.ts";

/** Settings of the hidden message. */
export interface StegoOptions {
  /**
   * Multiplies the QIM step of the message body, 0.25 to 5 (default 1: step 12 in DCT units).
   * Lower is subtler and more fragile; the reader learns the step from the header.
   */
  strength?: number;
  /**
   * Slots per coded bit of the message when the photo has room (default 24; 0 uses every
   * slot: most robust, most visible). Small photos use all they have, at least 6. The
   * do-not-process code always uses up to CODE_REPETITIONS (48) per coded bit.
   */
  repetitions?: number;
  /**
   * 32-bit key seeding the slot permutation and dither (default DEFAULT_STEGO_KEY, public):
   * the reader needs the same key.
   */
  key?: number;
  /**
   * The do-not-process code leaves the flattest blocks unmarked where the photo offers more
   * repetitions than a robust reading needs (default true; flat_blocks.ts). Off: every
   * planned slot is marked. Texts always mark every planned slot.
   */
  spareFlatBlocks?: boolean;
  /**
   * Distortion compensation of the do-not-process code (Chen and Wornell's DC-QIM): each
   * coefficient moves this share of the way to its lattice point, 0.5 to 1 (default
   * codeCompensation(): 0.7 where the code fills every slot of a small photo, else 1).
   * Lower is subtler and reads with less margin. Texts always move the whole way.
   */
  compensation?: number;
}

/**
 * Distortion compensation where the do-not-process code fills every slot (photos up to about
 * 250x250 px, where it cannot leave flat blocks alone): moving each coefficient 0.7 of the
 * way costs half the squared change (PSNR +2.9 dB, half the SSIM cost: 0.007 instead of
 * 0.014 at most on 48 development and sample photos). Their weakest reading through JPEG q65
 * kept a confidence of 0.27 (0.31 moving all the way), above the 0.22 of the larger photos,
 * which keep full steps; 0.6 failed to read at q65 on 5 of 48.
 */
export const SMALL_PHOTO_COMPENSATION = 0.7;

/** The code's compensation for a layout: SMALL_PHOTO_COMPENSATION when it fills every slot. */
export function codeCompensation(layout: SlotLayout): number {
  return codeSlotCount(layout.slots) >= layout.slots ? SMALL_PHOTO_COMPENSATION : 1;
}

/** Slot plan codes: unused, or a body/header bit (the low bit is the bit). */
const UNUSED = 0, BODY_BIT = 2, HEADER_BIT = 4;

/**
 * What every slot carries: visits the used permuted positions (header, then body) and marks
 * the slot at each with its coded bit.
 */
function planSlots(
  layout: SlotLayout,
  header: Uint8Array,
  body: Uint8Array,
  repetitions: number,
): Uint8Array {
  const plan = new Uint8Array(layout.slots);
  const { headerSlots, permutation } = layout;
  const end = headerSlots + bodySlotCount(layout, body.length, repetitions);
  for (let at = 0; at < end; at++) {
    plan[permutation.backward(at)] = at < headerSlots
      ? HEADER_BIT | header[at % header.length]
      : BODY_BIT | body[(at - headerSlots) % body.length];
  }
  return plan;
}

/** The do-not-process code's plan: its codeword cycled over the first permuted slots. */
function planCode(layout: SlotLayout, code: Uint8Array): Uint8Array {
  const plan = new Uint8Array(layout.slots);
  const end = codeSlotCount(layout.slots);
  for (let at = 0; at < end; at++) {
    plan[layout.permutation.backward(at)] = HEADER_BIT | code[at % code.length];
  }
  return plan;
}

/** Strength range: QIM steps 3 to 60, within what the header can describe (MAX_STEP). */
const MIN_STRENGTH = 0.25, MAX_STRENGTH = 5;
/** Passes per block: later ones re-aim coefficients that clipping at 0 or 255 held back. */
const MAX_PASSES = 3;
/** Largest coefficient miss (DCT units) accepted without another pass. */
const MISS_TOLERANCE = 0.5;

/** The body's QIM step for a strength; throws a UserError for unusable strengths. */
export function stepForStrength(strength: number): number {
  if (!(strength >= MIN_STRENGTH && strength <= MAX_STRENGTH)) {
    throw new UserError(
      `stego strength must be a number from ${MIN_STRENGTH} to ${MAX_STRENGTH}, got ${strength}`,
    );
  }
  return Math.round(DEFAULT_QIM_STEP * strength);
}

/** Default slots per coded message bit: decodes through JPEG q65 with a margin. */
export const DEFAULT_REPETITIONS = 24;

/** Checks the repetition option; throws a UserError for unusable values. */
function checkRepetitions(repetitions: number): number {
  const usable = Number.isInteger(repetitions) &&
    (repetitions === 0 || (repetitions >= MIN_REPETITIONS && repetitions <= MAX_REPETITIONS));
  if (!usable) {
    throw new UserError(
      `stego repetitions must be 0 (every slot) or a whole number from ${MIN_REPETITIONS} ` +
        `to ${MAX_REPETITIONS}, got ${repetitions}`,
    );
  }
  return repetitions;
}

/** UTF-8 bytes of a message; throws a UserError when it is empty or too long. */
export function messageBytes(message: string): Uint8Array {
  if (typeof message !== "string" || message.length === 0) {
    throw new UserError("the hidden message must be a non-empty text");
  }
  const bytes = new TextEncoder().encode(message);
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new UserError(
      `the hidden message is ${bytes.length} bytes of UTF-8; ` +
        `at most ${MAX_MESSAGE_BYTES} bytes fit`,
    );
  }
  return bytes;
}

/**
 * Returns a copy of `image` carrying `message` (default DEFAULT_STEGO_MESSAGE, the
 * do-not-process code; a code's text "EQAI-DNP/<version>" is hidden as the code, any other
 * text as a text frame). Deterministic: the same image, message and options give the same
 * bytes. Throws a UserError when the message is empty or too long, or the photo too small to
 * carry it robustly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImage } from "../image/decode.ts";
 * import { jpegRoundTrip } from "../image/encode.ts";
 * import { embedMessage } from "./embed.ts";
 * import { extractMessage } from "./extract.ts";
 * const photo = await readImage("data/dev/aksel-andersson-w256.jpg");
 * const marked = embedMessage(photo); // the do-not-process code "EQAI-DNP/1"
 * assert.equal(extractMessage(await jpegRoundTrip(marked, 75)).message, "EQAI-DNP/1");
 * ```
 */
export function embedMessage(
  image: RgbImage,
  message: string = DEFAULT_STEGO_MESSAGE,
  options: StegoOptions = {},
): RgbImage {
  const { width, height } = image;
  if (image.data.length !== width * height * 3) {
    throw new RangeError(`embedMessage: ${image.data.length} bytes for a ${width}x${height} image`);
  }
  const bytes = messageBytes(message);
  const step = stepForStrength(options.strength ?? 1);
  const repetitions = checkRepetitions(options.repetitions ?? DEFAULT_REPETITIONS);
  const key = (options.key ?? DEFAULT_STEGO_KEY) >>> 0;
  const spareFlat = options.spareFlatBlocks ?? true;
  const layout = slotLayout(width, height, key);
  const codeVersion = parseDoNotProcess(message);
  if (codeVersion !== null) {
    if (!fitsCode(layout.slots)) {
      const blocks = Math.ceil(CODE_CODED_BITS * MIN_REPETITIONS / STEGO_COEFFICIENTS.length);
      const side = Math.ceil(Math.sqrt(blocks)) * BLOCK_SIZE;
      throw new UserError(
        `a ${width}x${height} photo is too small to hide the do-not-process code robustly: ` +
          `it needs at least ${blocks} full 8x8 blocks, e.g. ${side}x${side} pixels`,
      );
    }
    // Every slot of the code uses the header's step: it has to be found without a header.
    const codeStep = headerStepFor(step);
    const plan = planCode(layout, encodeCodeFrame(codeVersion));
    const spared = spareFlat ? codeSparedBlocks(image, layout) : null;
    const compensation = options.compensation ?? codeCompensation(layout);
    if (!(compensation >= 0.5 && compensation <= 1)) {
      throw new UserError(`stego compensation must be a number from 0.5 to 1, got ${compensation}`);
    }
    return applyPlan(image, layout, plan, codeStep, codeStep, key, spared, compensation);
  }
  if (!fitsMessage(layout.slots, bytes.length)) {
    const blocks = blocksNeeded(bytes.length);
    const side = Math.ceil(Math.sqrt(blocks)) * BLOCK_SIZE;
    throw new UserError(
      `a ${width}x${height} photo is too small to hide a ${bytes.length}-byte message robustly: ` +
        `it needs at least ${blocks} full 8x8 blocks, e.g. ${side}x${side} pixels; ` +
        "use a larger photo or a shorter message",
    );
  }
  const frame = encodeFrame(bytes, step, repetitions);
  const plan = planSlots(layout, frame.header, frame.body, repetitions);
  return applyPlan(image, layout, plan, headerStepFor(step), step, key, null);
}

/**
 * Moves every planned slot's coefficient onto its bit's QIM lattice (or `compensation` of the
 * way there), except in the blocks `spared` marks; returns the copy.
 */
function applyPlan(
  image: RgbImage,
  layout: SlotLayout,
  plan: Uint8Array,
  headerStep: number,
  step: number,
  key: number,
  spared: Uint8Array | null,
  compensation = 1,
): RgbImage {
  const { width, height } = image;
  const patterns = STEGO_COEFFICIENTS.map(([v, u]) => basisPattern(v, u));
  const count = patterns.length;
  const data = image.data.slice();
  const luma = new Float32Array(64), delta = new Float32Array(64);
  const targets = new Float64Array(count), misses = new Float64Array(count);
  const { blocksX, blocksY } = layout;
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      if (spared?.[by * blocksX + bx]) continue;
      const firstSlot = (by * blocksX + bx) * count;
      let used = false;
      for (let j = 0; j < count; j++) used ||= plan[firstSlot + j] !== UNUSED;
      if (!used) continue;
      readBlockLuma(data, width, bx, by, luma);
      for (let j = 0; j < count; j++) {
        const slot = firstSlot + j, code = plan[slot];
        const value = project(patterns[j], luma);
        if (code === UNUSED) {
          // Unused slots are held where they are (clipping passes must not drift them).
          targets[j] = value;
          misses[j] = 0;
          continue;
        }
        const slotStep = code >= HEADER_BIT ? headerStep : step;
        targets[j] = value +
          compensation * (qimTarget(value, code & 1, slotStep, ditherFor(slot, key)) - value);
        misses[j] = targets[j] - value;
      }
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        delta.fill(0);
        for (let j = 0; j < count; j++) {
          const miss = misses[j], pattern = patterns[j];
          if (miss !== 0) { for (let i = 0; i < 64; i++) delta[i] += miss * pattern[i]; }
        }
        // Without clipping only rounding (well under MISS_TOLERANCE) separates aim and result.
        if (!addBlockLuma(data, width, bx, by, delta)) break;
        readBlockLuma(data, width, bx, by, luma);
        let worst = 0;
        for (let j = 0; j < count; j++) {
          misses[j] = targets[j] - project(patterns[j], luma);
          worst = Math.max(worst, Math.abs(misses[j]));
        }
        if (worst <= MISS_TOLERANCE) break;
      }
    }
  }
  return { width, height, data };
}
