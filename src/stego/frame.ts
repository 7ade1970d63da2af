/**
 * The bits the photo carries. A fixed-size header (format version, the message's QIM step, its
 * repetition count and its length, guarded by CRC-16) tells the reader how to read the message
 * body (UTF-8 bytes guarded by CRC-32). Both are convolutionally coded; a reader accepts a
 * message only when both checks pass, so a false message needs a 48-bit coincidence.
 *
 * The do-not-process code (message.ts) has a second, headerless frame of its own, at the end
 * of this file: six bytes in one short codeword, so it fits photos far too small for a header.
 */
import { bitsToBytes, bytesToBits, readBits, writeBits } from "./bits.ts";
import { codedLength, convEncode } from "./conv_code.ts";
import { crc16, crc32 } from "./crc.ts";

/** Format version written into every header (bump on any incompatible change). */
export const FRAME_VERSION = 1;
/** Longest hidden message, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 256;
/** Largest QIM step the header can describe (DCT units). */
export const MAX_STEP = 63;
/** Largest repetition count the header can describe (0 means "every slot after the header"). */
export const MAX_REPETITIONS = 255;

const VERSION_BITS = 4, STEP_BITS = 6, REPETITION_BITS = 8, LENGTH_BITS = 10;
const CRC16_BITS = 16, CRC32_BITS = 32;
const HEADER_FIELD_BITS = VERSION_BITS + STEP_BITS + REPETITION_BITS + LENGTH_BITS;
/** Information bits of the header (fields plus CRC-16). */
export const HEADER_BITS = HEADER_FIELD_BITS + CRC16_BITS;
/** Coded bits of the header. */
export const HEADER_CODED_BITS = codedLength(HEADER_BITS);

/** What the header says. */
export interface FrameHeader {
  /** Format version. */
  version: number;
  /** QIM step of the body, in DCT units (1..63). */
  step: number;
  /** Slots per coded body bit (0: the body fills every slot after the header). */
  repetitions: number;
  /** Message length in bytes (1..MAX_MESSAGE_BYTES). */
  length: number;
}

function headerCrc(fields: Uint8Array): number {
  // The 28 field bits, left-aligned in four bytes.
  const padded = new Uint8Array(32);
  padded.set(fields);
  return crc16(bitsToBytes(padded));
}

/** Header information bits (before coding). */
export function packHeader(header: FrameHeader): Uint8Array {
  const bits = new Uint8Array(HEADER_BITS);
  let at = writeBits(bits, 0, header.version, VERSION_BITS);
  at = writeBits(bits, at, header.step, STEP_BITS);
  at = writeBits(bits, at, header.repetitions, REPETITION_BITS);
  at = writeBits(bits, at, header.length, LENGTH_BITS);
  writeBits(bits, at, headerCrc(bits.subarray(0, HEADER_FIELD_BITS)), CRC16_BITS);
  return bits;
}

/** Parses decoded header bits; null when the CRC fails or a field is out of range. */
export function unpackHeader(bits: Uint8Array): FrameHeader | null {
  if (
    readBits(bits, HEADER_FIELD_BITS, CRC16_BITS) !== headerCrc(bits.subarray(0, HEADER_FIELD_BITS))
  ) {
    return null;
  }
  let at = 0;
  const version = readBits(bits, at, VERSION_BITS);
  const step = readBits(bits, at += VERSION_BITS, STEP_BITS);
  const repetitions = readBits(bits, at += STEP_BITS, REPETITION_BITS);
  const length = readBits(bits, at += REPETITION_BITS, LENGTH_BITS);
  if (version !== FRAME_VERSION || step === 0 || length === 0 || length > MAX_MESSAGE_BYTES) {
    return null;
  }
  return { version, step, repetitions, length };
}

/** Information bits of a message body of `length` bytes. */
export function bodyBits(length: number): number {
  return length * 8 + CRC32_BITS;
}

/** Coded bits of a message body of `length` bytes. */
export function bodyCodedBits(length: number): number {
  return codedLength(bodyBits(length));
}

/** Body information bits: the bytes, then their CRC-32. */
export function packBody(bytes: Uint8Array): Uint8Array {
  const bits = new Uint8Array(bodyBits(bytes.length));
  bits.set(bytesToBits(bytes));
  writeBits(bits, bytes.length * 8, crc32(bytes), CRC32_BITS);
  return bits;
}

/** The message bytes of decoded body bits; null when the CRC-32 fails. */
export function unpackBody(bits: Uint8Array): Uint8Array | null {
  const length = (bits.length - CRC32_BITS) >> 3;
  const bytes = bitsToBytes(bits.subarray(0, length * 8));
  return readBits(bits, length * 8, CRC32_BITS) === crc32(bytes) ? bytes : null;
}

/** Coded header and body of a message. */
export function encodeFrame(
  bytes: Uint8Array,
  step: number,
  repetitions: number,
): { header: Uint8Array; body: Uint8Array } {
  const header = { version: FRAME_VERSION, step, repetitions, length: bytes.length };
  return { header: convEncode(packHeader(header)), body: convEncode(packBody(bytes)) };
}

/**
 * The do-not-process code's frame (see message.ts): no header, one short codeword of the
 * magic "DNP", the code version (1..255) and a CRC-16 of those four bytes. A reader accepts it
 * only when the magic and the CRC match, so a false code needs a 40-bit coincidence.
 */
const CODE_MAGIC = [0x44, 0x4e, 0x50]; // "DNP"
/** Information bits of the code frame: magic, version, CRC-16. */
export const CODE_BITS = (CODE_MAGIC.length + 1) * 8 + CRC16_BITS;
/** Coded bits of the code frame. */
export const CODE_CODED_BITS = codedLength(CODE_BITS);
/** Largest code version the frame can carry. */
export const MAX_CODE_VERSION = 255;

/** The four bytes the code frame carries: "DNP" and the version. */
function codeBytes(version: number): Uint8Array {
  return Uint8Array.of(...CODE_MAGIC, version);
}

/** Code frame information bits (before coding) for a code version. */
export function packCode(version: number): Uint8Array {
  if (!(Number.isInteger(version) && version >= 1 && version <= MAX_CODE_VERSION)) {
    throw new RangeError(`packCode: version ${version} is not 1..${MAX_CODE_VERSION}`);
  }
  const bytes = codeBytes(version);
  const bits = new Uint8Array(CODE_BITS);
  bits.set(bytesToBits(bytes));
  writeBits(bits, bytes.length * 8, crc16(bytes), CRC16_BITS);
  return bits;
}

/** The code version of decoded code frame bits; null when the magic or the CRC fails. */
export function unpackCode(bits: Uint8Array): number | null {
  const bytes = bitsToBytes(bits.subarray(0, CODE_BITS - CRC16_BITS));
  const magic = CODE_MAGIC.every((b, i) => bytes[i] === b);
  const version = bytes[CODE_MAGIC.length];
  if (
    !magic || version === 0 || readBits(bits, CODE_BITS - CRC16_BITS, CRC16_BITS) !== crc16(bytes)
  ) {
    return null;
  }
  return version;
}

/** The coded code frame of a code version. */
export function encodeCodeFrame(version: number): Uint8Array {
  return convEncode(packCode(version));
}
