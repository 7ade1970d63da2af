/**
 * Reads the hidden message of embed.ts back from a photo, without the original: gathers a soft
 * QIM reading of every slot, sums the repetitions of each coded bit, Viterbi-decodes the
 * header and then the body, and accepts the text only when CRC-16 and CRC-32 both pass.
 *
 * Confidence is the mark's signal strength, 1 - 2 x (share of slots whose reading disagrees
 * with the decoded frame): 1 for an untouched mark, about 0 for a photo without one. When no
 * message decodes it estimates the same from how consistently the header slots agree with each
 * other (each slot against the sum of the other repetitions of its bit), which is unbiased:
 * near 0 on unmarked photos.
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { readBlockLuma } from "./block_luma.ts";
import { convEncode, viterbiDecode } from "./conv_code.ts";
import { basisPattern, project } from "./dct.ts";
import {
  bodyBits,
  bodyCodedBits,
  HEADER_BITS,
  HEADER_CODED_BITS,
  packHeader,
  unpackBody,
  unpackHeader,
} from "./frame.ts";
import { DEFAULT_STEGO_KEY, type SlotLayout, slotLayout, STEGO_COEFFICIENTS } from "./layout.ts";
import { ditherFor, HEADER_QIM_STEP, qimSoft } from "./qim.ts";

/** What a photo's hidden message reads as. */
export interface StegoReading {
  /** The message, or null when none decodes with both checks passing. */
  message: string | null;
  /** Signal strength of the mark in [0, 1] (see the module comment). */
  confidence: number;
}

/** Reading options. */
export interface ExtractOptions {
  /** The key used when embedding (default DEFAULT_STEGO_KEY). */
  key?: number;
}

/** Reads the hidden message of `image`; never throws on unmarked or damaged photos. */
export function extractMessage(image: RgbImage, options: ExtractOptions = {}): StegoReading {
  const key = (options.key ?? DEFAULT_STEGO_KEY) >>> 0;
  const layout = slotLayout(image.width, image.height, key);
  if (layout.headerSlots < HEADER_CODED_BITS) return { message: null, confidence: 0 };
  const values = readSlots(image, layout);
  const dithers = new Float32Array(layout.slots);
  for (let slot = 0; slot < layout.slots; slot++) dithers[slot] = ditherFor(slot, key);

  const headerSoft = sumSoft(values, dithers, layout, HEADER_QIM_STEP, HEADER_CODED_BITS, true);
  const header = unpackHeader(viterbiDecode(headerSoft, HEADER_BITS));
  if (!header) {
    return { message: null, confidence: headerConsistency(values, dithers, layout, headerSoft) };
  }
  const bodyLength = bodyCodedBits(header.length);
  if (layout.slots - layout.headerSlots < bodyLength) {
    return { message: null, confidence: headerConsistency(values, dithers, layout, headerSoft) };
  }
  const bodySoft = sumSoft(values, dithers, layout, header.step, bodyLength, false);
  const bodyInfo = viterbiDecode(bodySoft, bodyBits(header.length));
  const bytes = unpackBody(bodyInfo);
  const text = bytes && decodeUtf8(bytes);
  if (text === null) {
    return { message: null, confidence: headerConsistency(values, dithers, layout, headerSoft) };
  }
  const expectedHeader = convEncode(packHeader(header));
  const expectedBody = convEncode(bodyInfo);
  let agree = 0, disagree = 0;
  const { headerSlots, position } = layout;
  for (let slot = 0; slot < layout.slots; slot++) {
    const at = position[slot];
    const inHeader = at < headerSlots;
    const soft = qimSoft(values[slot], inHeader ? HEADER_QIM_STEP : header.step, dithers[slot]);
    const bit = inHeader
      ? expectedHeader[at % HEADER_CODED_BITS]
      : expectedBody[(at - headerSlots) % bodyLength];
    const signed = bit ? -soft : soft;
    if (signed > 0) agree++;
    else if (signed < 0) disagree++;
  }
  return { message: text, confidence: strength(agree, disagree) };
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** 1 - 2 x disagreement share, clamped to [0, 1]. */
function strength(agree: number, disagree: number): number {
  const total = agree + disagree;
  return total === 0 ? 0 : Math.max(0, Math.min(1, (agree - disagree) / total));
}

/** The luma DCT coefficient of every slot, in slot order. */
function readSlots(image: RgbImage, layout: SlotLayout): Float32Array {
  const patterns = STEGO_COEFFICIENTS.map(([v, u]) => basisPattern(v, u));
  const count = patterns.length;
  const values = new Float32Array(layout.slots);
  const luma = new Float32Array(64);
  for (let by = 0; by < layout.blocksY; by++) {
    for (let bx = 0; bx < layout.blocksX; bx++) {
      readBlockLuma(image.data, image.width, bx, by, luma);
      const first = (by * layout.blocksX + bx) * count;
      for (let j = 0; j < count; j++) values[first + j] = project(patterns[j], luma);
    }
  }
  return values;
}

/** Sums soft readings per coded bit over the header's (or the body's) slots. */
function sumSoft(
  values: Float32Array,
  dithers: Float32Array,
  layout: SlotLayout,
  step: number,
  codedBits: number,
  header: boolean,
): Float64Array {
  const sums = new Float64Array(codedBits);
  const { headerSlots, position } = layout;
  for (let slot = 0; slot < layout.slots; slot++) {
    const at = position[slot];
    if (header) {
      if (at < headerSlots) sums[at % codedBits] += qimSoft(values[slot], step, dithers[slot]);
    } else if (at >= headerSlots) {
      sums[(at - headerSlots) % codedBits] += qimSoft(values[slot], step, dithers[slot]);
    }
  }
  return sums;
}

/** Leave-one-out agreement of header slots with their bit's other repetitions. */
function headerConsistency(
  values: Float32Array,
  dithers: Float32Array,
  layout: SlotLayout,
  headerSoft: Float64Array,
): number {
  let agree = 0, disagree = 0;
  for (let slot = 0; slot < layout.slots; slot++) {
    const at = layout.position[slot];
    if (at >= layout.headerSlots) continue;
    const soft = qimSoft(values[slot], HEADER_QIM_STEP, dithers[slot]);
    const others = headerSoft[at % HEADER_CODED_BITS] - soft;
    if (soft * others > 0) agree++;
    else if (soft * others < 0) disagree++;
  }
  return strength(agree, disagree);
}
