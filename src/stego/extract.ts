/**
 * Reads the hidden message of embed.ts back from a photo, without the original: gathers a soft
 * QIM reading of every used slot, sums the repetitions of each coded bit, Viterbi-decodes the
 * header and then the body, and accepts the text only when CRC-16 and CRC-32 both pass (and
 * the bytes are valid UTF-8).
 *
 * Confidence is the mark's signal strength, 1 - 2 x (share of used slots whose reading
 * disagrees with the decoded frame): 1 for an untouched mark, falling as JPEG or paint damage
 * it; the message still decodes down to about 0.2-0.35 (the more repetitions, the lower).
 * When the header decodes but the message does not (a badly damaged mark) it is the header
 * slots' strength; when not even the header decodes (a photo without a mark) it is 0.
 *
 * A photo carries either a text frame or the do-not-process code (message.ts); the reader
 * tries the text frame first, then the code, which reads as its text form "EQAI-DNP/1". The
 * code's reading leaves out the flat blocks an embedder spares (flat_blocks.ts).
 */
import type { RgbImage } from "../image/rgb_image.ts";
import { readBlockLuma } from "./block_luma.ts";
import { convEncode, viterbiDecode } from "./conv_code.ts";
import { basisPattern, project } from "./dct.ts";
import {
  bodyBits,
  bodyCodedBits,
  CODE_BITS,
  CODE_CODED_BITS,
  encodeCodeFrame,
  type FrameHeader,
  HEADER_BITS,
  HEADER_CODED_BITS,
  packHeader,
  unpackBody,
  unpackCode,
  unpackHeader,
} from "./frame.ts";
import {
  bodySlotCount,
  codeSlotCount,
  DEFAULT_STEGO_KEY,
  fitsCode,
  type SlotLayout,
  slotLayout,
  STEGO_COEFFICIENTS,
} from "./layout.ts";
import { codeSparedBlocks } from "./flat_blocks.ts";
import { doNotProcessText } from "./message.ts";
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

/**
 * Coefficient and dither of the slots at permuted positions 0 .. loaded - 1, read slot by slot
 * through the inverse permutation: a reader touches only the slots the mark uses (a few
 * percent of a large photo's blocks).
 */
class Readings {
  /** `values[at]`: the coefficient of the slot at permuted position `at`. */
  values = new Float32Array(0);
  /** `dithers[at]`: that slot's dither. */
  dithers = new Float32Array(0);
  private readonly patterns = STEGO_COEFFICIENTS.map(([v, u]) => basisPattern(v, u));
  private readonly luma = new Float32Array(64);

  constructor(
    readonly image: RgbImage,
    readonly layout: SlotLayout,
    private readonly key: number,
  ) {}

  /** Reads positions up to `end` - 1 (those already read are kept). */
  load(end: number): void {
    const start = this.values.length;
    if (end <= start) return;
    const values = new Float32Array(end), dithers = new Float32Array(end);
    values.set(this.values);
    dithers.set(this.dithers);
    const count = this.patterns.length, blocksX = this.layout.blocksX;
    for (let at = start; at < end; at++) {
      const slot = this.layout.permutation.backward(at);
      const block = Math.floor(slot / count);
      const bx = block % blocksX, by = Math.floor(block / blocksX);
      readBlockLuma(this.image.data, this.image.width, bx, by, this.luma);
      values[at] = project(this.patterns[slot - block * count], this.luma);
      dithers[at] = ditherFor(slot, this.key);
    }
    this.values = values;
    this.dithers = dithers;
  }
}

/**
 * Reads the hidden message of `image`; never throws on unmarked or damaged photos.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImage } from "../image/decode.ts";
 * import { embedMessage } from "./embed.ts";
 * import { extractMessage } from "./extract.ts";
 * const photo = await readImage("data/dev/aksel-andersson-w256.jpg");
 * assert.equal(extractMessage(photo).message, null); // no hidden message yet
 * const reading = extractMessage(embedMessage(photo, "no face recognition"));
 * assert.equal(reading.message, "no face recognition");
 * assert.ok(reading.confidence > 0.9);
 * ```
 */
export function extractMessage(image: RgbImage, options: ExtractOptions = {}): StegoReading {
  const { width, height } = image;
  if (image.data.length !== width * height * 3) {
    throw new RangeError(
      `extractMessage: ${image.data.length} bytes for a ${width}x${height} image`,
    );
  }
  const key = (options.key ?? DEFAULT_STEGO_KEY) >>> 0;
  const layout = slotLayout(width, height, key);
  const readings = new Readings(image, layout, key);
  const text = readText(readings);
  if (text.message !== null) return text;
  return readCode(readings) ?? text;
}

/** The text frame's reading (none when its header does not decode). */
function readText(readings: Readings): StegoReading {
  const layout = readings.layout;
  if (layout.headerSlots < HEADER_CODED_BITS) return { message: null, confidence: 0 };
  readings.load(layout.headerSlots);

  const header = readHeader(readings);
  if (!header) return { message: null, confidence: 0 };
  const codedHeader = convEncode(packHeader(header));
  const codedLength = bodyCodedBits(header.length);
  const bodySlots = bodySlotCount(layout, codedLength, header.repetitions);
  const damaged = { message: null, confidence: strength(readings, header, codedHeader, null, 0) };
  if (bodySlots < codedLength) return damaged;

  const end = layout.headerSlots + bodySlots;
  readings.load(end);
  const bodySoft = sumSoft(readings, header.step, layout.headerSlots, end, codedLength);
  const bodyInfo = viterbiDecode(bodySoft, bodyBits(header.length));
  const bytes = unpackBody(bodyInfo);
  const text = bytes && decodeUtf8(bytes);
  if (text === null) return damaged;
  const codedBody = convEncode(bodyInfo);
  return { message: text, confidence: strength(readings, header, codedHeader, codedBody, end) };
}

/**
 * The do-not-process code, trying each header step (the code uses one of them); null when
 * none decodes with the magic and the CRC matching.
 */
function readCode(readings: Readings): StegoReading | null {
  const slots = readings.layout.slots;
  // Below the embedder's minimum a reading would be mostly noise: nothing was hidden there.
  if (!fitsCode(slots)) return null;
  const end = codeSlotCount(slots);
  readings.load(end);
  const read = codeReadPositions(readings, end);
  for (const step of HEADER_QIM_STEPS) {
    const version = unpackCode(
      viterbiDecode(sumSoft(readings, step, 0, end, CODE_CODED_BITS, read), CODE_BITS),
    );
    if (version === null) continue;
    const coded = encodeCodeFrame(version);
    let agree = 0, disagree = 0;
    for (let at = 0; at < end; at++) {
      if (!read[at]) continue;
      const soft = qimSoft(readings.values[at], step, readings.dithers[at]);
      const signed = coded[at % coded.length] ? -soft : soft;
      if (signed > 0) agree++;
      else if (signed < 0) disagree++;
    }
    const total = agree + disagree;
    const confidence = total === 0 ? 0 : Math.max(0, (agree - disagree) / total);
    return { message: doNotProcessText(version), confidence };
  }
  return null;
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

/**
 * 1 for the code's permuted positions worth reading: those outside the flat blocks that the
 * embedder spares (flat_blocks.ts), judged on the photo as received.
 */
function codeReadPositions(readings: Readings, end: number): Uint8Array {
  const { layout } = readings;
  const spared = codeSparedBlocks(readings.image, layout);
  const count = STEGO_COEFFICIENTS.length;
  const read = new Uint8Array(end);
  for (let at = 0; at < end; at++) {
    read[at] = spared[Math.floor(layout.permutation.backward(at) / count)] ? 0 : 1;
  }
  return read;
}

/**
 * Sums soft readings per coded bit over permuted positions `first` .. `end` - 1, cycled,
 * leaving out the positions `read` marks 0 when given.
 */
function sumSoft(
  { values, dithers }: Readings,
  step: number,
  first: number,
  end: number,
  codedBits: number,
  read?: Uint8Array,
): Float64Array {
  const sums = new Float64Array(codedBits);
  for (let at = first; at < end; at++) {
    if (read && !read[at]) continue;
    sums[(at - first) % codedBits] += qimSoft(values[at], step, dithers[at]);
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
  const headerSlots = layout.headerSlots;
  const last = codedBody ? end : headerSlots;
  const headerStep = headerStepFor(header.step);
  let agree = 0, disagree = 0;
  for (let at = 0; at < last; at++) {
    const inHeader = at < headerSlots;
    const soft = qimSoft(values[at], inHeader ? headerStep : header.step, dithers[at]);
    const bit = inHeader
      ? codedHeader[at % codedHeader.length]
      : codedBody![(at - headerSlots) % codedBody!.length];
    const signed = bit ? -soft : soft;
    if (signed > 0) agree++;
    else if (signed < 0) disagree++;
  }
  const total = agree + disagree;
  return total === 0 ? 0 : Math.max(0, (agree - disagree) / total);
}
