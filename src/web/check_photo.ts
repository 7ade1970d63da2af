/**
 * Cheap checks of an uploaded photo before it may wait in the queue: the format from its
 * content (never its name), and its size in pixels from the header alone. Damage past the
 * header (a truncated file, a corrupt chunk) shows when the protection decodes it.
 */
import sharp from "sharp";
import { sniffFormat, type SUPPORTED_FORMATS } from "../image/decode.ts";
import { HttpError } from "./http_error.ts";

/** Formats people commonly upload by mistake, recognised by their first bytes. */
const OTHER_FORMATS: readonly { name: string; test: (bytes: Uint8Array) => boolean }[] = [
  { name: "a GIF", test: (b) => ascii(b, 0, 4) === "GIF8" },
  { name: "a HEIC/AVIF photo", test: (b) => ascii(b, 4, 8) === "ftyp" },
  { name: "a BMP", test: (b) => ascii(b, 0, 2) === "BM" },
  { name: "a TIFF", test: (b) => ascii(b, 0, 4) === "II*\0" || ascii(b, 0, 4) === "MM\0*" },
  { name: "a PDF", test: (b) => ascii(b, 0, 5) === "%PDF-" },
  { name: "a text file", test: looksLikeText },
];

/** What the header says about an accepted photo. */
export interface PhotoHeader {
  /** Format recognised from the content. */
  format: typeof SUPPORTED_FORMATS[number];
  /** Width in pixels as stored. */
  width: number;
  /** Height in pixels as stored. */
  height: number;
}

/**
 * Checks that `bytes` are a JPEG, PNG or WebP of at most `maxPixels`; throws an HttpError
 * (415 for another format, 422 for a corrupt header or too many pixels).
 */
export async function checkPhotoHeader(bytes: Uint8Array, maxPixels: number): Promise<PhotoHeader> {
  const format = sniffFormat(bytes);
  if (!format) {
    const other = OTHER_FORMATS.find((f) => f.test(bytes));
    throw new HttpError(
      415,
      `not a JPEG, PNG or WebP photo${other ? ` (it is ${other.name})` : ""}: ` +
        "only JPEG, PNG and WebP are accepted",
    );
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    // Reads the header only: a huge photo is refused before any decoding.
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch {
    throw new HttpError(
      422,
      `the ${format.toUpperCase()} file is corrupt (its header is unreadable)`,
    );
  }
  if (!width || !height) {
    throw new HttpError(422, `the ${format.toUpperCase()} file has no width or height`);
  }
  if (width * height > maxPixels) {
    throw new HttpError(
      422,
      `the photo is ${width}x${height} pixels (${(width * height / 1e6).toFixed(1)} megapixels): ` +
        `at most ${maxPixels / 1e6} megapixels, please make it smaller first`,
    );
  }
  return { format, width, height };
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return bytes.length >= to ? String.fromCharCode(...bytes.subarray(from, to)) : "";
}

/** Mostly printable ASCII/UTF-8 in the first kilobyte: a text file with a photo's name. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127)) printable++;
  return head.length > 0 && printable / head.length > 0.95;
}
