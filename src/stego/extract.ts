/**
 * Reads the hidden message of embed.ts back from a photo, without the original: gathers a soft
 * QIM reading of every used slot, sums the repetitions of each coded bit, Viterbi-decodes the
 * header and then the body, and accepts the text only when CRC-16 and CRC-32 both pass (and
 * the bytes are valid UTF-8).
 *
 * Confidence is the mark's signal strength, 1 - 2 x (share of used slots whose reading
 * disagrees with the decoded frame): 1 for an untouched mark, falling as JPEG or paint damage
 * it; the message still decodes down to about 0.2. When the header decodes but the message
 * does not (a badly damaged mark) it is the header slots' strength; when not even the header
 * decodes (a photo without a mark) it is 0.
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { readBlockLuma } from "./block_luma.ts";
import { convEncode, viterbiDecode } from "./conv_code.ts";
import { basisPattern, project } from "./dct.ts";
import {
  bodyBits,
  bodyCodedBits,
  type FrameHeader,
  HEADER_BITS,
  HEADER_CODED_BITS,
  packHeader,
  unpackBody,
  unpackHeader,
} from "./frame.ts";
import {
  bodySlotCount,
  DEFAULT_STEGO_KEY,
  type SlotLayout,
  slotLayout,
  STEGO_COEFFICIENTS,
} from "./layout.ts";
import { ditherFor, HEADER_QIM_STEPS, headerStepFor, qimSoft } from "./qim.ts";

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

/** The slots' coefficients and dithers, read once. */
interface Readings {
  layout: SlotLayout;
  values: Float32Array;
  dithers: Float32Array;
}

/** Reads the hidden message of `image`; never throws on unmarked or damaged photos. */
export function extractMessage(image: RgbImage, options: ExtractOptions = {}): StegoReading {
  const key = (options.key ?? DEFAULT_STEGO_KEY) >>> 0;
  const layout = slotLayout(image.width, image.height, key);
  if (layout.headerSlots < HEADER_CODED_BITS) return { message: null, confidence: 0 };
  const readings = readSlots(image, layout, key);

  const header = readHeader(readings);
  if (!header) return { message: null, confidence: 0 };
  const codedHeader = convEncode(packHeader(header));
  const codedLength = bodyCodedBits(header.length);
  const bodySlots = bodySlotCount(layout, codedLength, header.repetitions);
  const damaged = { message: null, confidence: strength(readings, header, codedHeader, null, 0) };
  if (bodySlots < codedLength) return damaged;

  const end = layout.headerSlots + bodySlots;
  const bodySoft = sumSoft(readings, header.step, layout.headerSlots, end, codedLength);
  const bodyInfo = viterbiDecode(bodySoft, bodyBits(header.length));
  const bytes = unpackBody(bodyInfo);
  const text = bytes && decodeUtf8(bytes);
  if (text === null) return damaged;
  const codedBody = convEncode(bodyInfo);
  return { message: text, confidence: strength(readings, header, codedHeader, codedBody, end) };
}

/** The header, trying each header step; null when none decodes with a valid CRC and fields. */
function readHeader(readings: Readings): FrameHeader | null {
  for (const step of HEADER_QIM_STEPS) {
    const soft = sumSoft(readings, step, 0, readings.layout.headerSlots, HEADER_CODED_BITS);
    const header = unpackHeader(viterbiDecode(soft, HEADER_BITS));
    // A header read at a step that its body step would not choose is noise that passed the CRC.
    if (header && headerStepFor(header.step) === step) return header;
  }
  return null;
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The luma DCT coefficient and the dither of every slot, in slot order. */
function readSlots(image: RgbImage, layout: SlotLayout, key: number): Readings {
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
  const dithers = new Float32Array(layout.slots);
  for (let slot = 0; slot < layout.slots; slot++) dithers[slot] = ditherFor(slot, key);
  return { layout, values, dithers };
}

/** Sums soft readings per coded bit over permuted positions `first` .. `end` - 1, cycled. */
function sumSoft(
  { layout, values, dithers }: Readings,
  step: number,
  first: number,
  end: number,
  codedBits: number,
): Float64Array {
  const sums = new Float64Array(codedBits);
  const position = layout.position;
  for (let slot = 0; slot < layout.slots; slot++) {
    const at = position[slot];
    if (at >= first && at < end) {
      sums[(at - first) % codedBits] += qimSoft(values[slot], step, dithers[slot]);
    }
  }
  return sums;
}

/**
 * 1 - 2 x the share of readings that disagree with the expected coded bits: over the header
 * slots, and over the body slots up to permuted position `end` when `codedBody` is given.
 */
function strength(
  { layout, values, dithers }: Readings,
  header: FrameHeader,
  codedHeader: Uint8Array,
  codedBody: Uint8Array | null,
  end: number,
): number {
  const { headerSlots, position } = layout;
  const last = codedBody ? end : headerSlots;
  const headerStep = headerStepFor(header.step);
  let agree = 0, disagree = 0;
  for (let slot = 0; slot < layout.slots; slot++) {
    const at = position[slot];
    if (at >= last) continue;
    let soft: number, bit: number;
    if (at < headerSlots) {
      soft = qimSoft(values[slot], headerStep, dithers[slot]);
      bit = codedHeader[at % codedHeader.length];
    } else {
      soft = qimSoft(values[slot], header.step, dithers[slot]);
      bit = codedBody![(at - headerSlots) % codedBody!.length];
    }
    const signed = bit ? -soft : soft;
    if (signed > 0) agree++;
    else if (signed < 0) disagree++;
  }
  const total = agree + disagree;
  return total === 0 ? 0 : Math.max(0, (agree - disagree) / total);
}
