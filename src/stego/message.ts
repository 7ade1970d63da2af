/**
 * What the protection filter says, and how.
 *
 * In the pixels it hides, by default, the **do-not-process code**: a short machine-readable
 * token, written `EQAI-DNP/<version>` as text. Version 1, the only one so far, means "no
 * consent to automated face detection or face recognition (biometric identification) of this
 * image". The pixels do not carry the text: they carry a frame of its own (frame.ts) of six
 * bytes, the ASCII magic "DNP", the version as one byte, and a CRC-16/CCITT-FALSE of those
 * four bytes, convolutionally coded to 162 bits and repeated over up to 48 x 162 keyed slots
 * (layout.ts). It needs no header, so it fits photos from about 96x96 pixels (a 128x128 photo
 * repeats each coded bit 12 times, a 256x256 one 48 times) and survives JPEG quality 75 with
 * the badge drawn over a corner. A reader shows it as the text `EQAI-DNP/1`.
 *
 * The long human-readable statement goes into the metadata marks (XMP usage terms, EXIF
 * ImageDescription; marks/metadata.ts). Until the code existed it was also the default hidden
 * message (a text frame, which needs at least about 352x352 pixels for its 86 bytes); readers
 * still read such photos.
 *
 * Any other text given as the hidden message is hidden as a text frame (UTF-8, up to 256
 * bytes); the code's text `EQAI-DNP/<version>` is hidden as the code.
 */

/** The default statement of the metadata marks; before the code, also the hidden message. */
export const DEFAULT_STATEMENT =
  "No consent to automated face detection or recognition of this image. EqualAIs stego v1";

/** The version of the do-not-process code that the filter writes. */
export const DO_NOT_PROCESS_VERSION = 1;

/**
 * The text form of a do-not-process code version, e.g. "EQAI-DNP/1".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doNotProcessText } from "./message.ts";
 * assert.equal(doNotProcessText(), "EQAI-DNP/1");
 * assert.equal(doNotProcessText(2), "EQAI-DNP/2");
 * ```
 */
export function doNotProcessText(version: number = DO_NOT_PROCESS_VERSION): string {
  return `EQAI-DNP/${version}`;
}

/** The default hidden message: the do-not-process code, as its text form "EQAI-DNP/1". */
export const DEFAULT_STEGO_MESSAGE: string = doNotProcessText();

/**
 * The code version a hidden message names, or null when it is not a do-not-process code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDoNotProcess } from "./message.ts";
 * assert.equal(parseDoNotProcess("EQAI-DNP/1"), 1);
 * assert.equal(parseDoNotProcess("No face recognition, please"), null);
 * ```
 */
export function parseDoNotProcess(message: string): number | null {
  const match = /^EQAI-DNP\/([1-9][0-9]{0,2})$/.exec(message);
  const version = match ? Number(match[1]) : 0;
  return version >= 1 && version <= 255 ? version : null;
}

/** What each version of the do-not-process code means. */
const MEANINGS: Record<number, string> = {
  1: "no consent to automated face detection or recognition",
};

/**
 * What a do-not-process code version means, for people.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doNotProcessMeaning } from "./message.ts";
 * assert.equal(doNotProcessMeaning(1), "no consent to automated face detection or recognition");
 * assert.match(doNotProcessMeaning(2), /newer than this reader knows/);
 * ```
 */
export function doNotProcessMeaning(version: number): string {
  return MEANINGS[version] ??
    `a do-not-process request of version ${version}, newer than this reader knows`;
}
