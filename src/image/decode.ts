/**
 * Decoding photos with sharp (libvips), with checks that turn every kind of bad input
 * into one clear sentence: missing, empty, not an image, unsupported format, too large,
 * truncated or corrupt.
 */
import sharp from "sharp";
import { UserError } from "../errors.ts";
import type { RgbImage } from "./rgb_image.ts";

/** Largest image accepted, in pixels (50 megapixels). */
export const MAX_PIXELS = 50_000_000;

/** Formats accepted as input, as sharp names them. */
export const SUPPORTED_FORMATS = ["jpeg", "png", "webp"] as const;

/** Options for decoding. */
export interface DecodeOptions {
  /** Largest accepted width x height (default MAX_PIXELS). */
  maxPixels?: number;
  /** Name used in error messages (default "image"). */
  label?: string;
}

/**
 * Reads an image file; throws a UserError naming the file and the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImage } from "./decode.ts";
 * const photo = await readImage("data/samples/sample1.jpg");
 * assert.equal(photo.data.length, photo.width * photo.height * 3);
 * await assert.rejects(readImage("data/samples/missing.jpg"), /file not found/);
 * ```
 */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const bytes = await readFileBytes(path);
  return decodeImage(bytes, { ...options, label: options.label ?? path });
}

/** Reads a file's bytes; a missing, unreadable or directory path is a UserError naming it. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UserError(`${path}: file not found`);
    if (error instanceof Deno.errors.IsADirectory) throw new UserError(`${path}: is a directory`);
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new UserError(`${path}: permission denied`);
    }
    throw new UserError(`${path}: cannot be read (${(error as Error).message})`);
  }
}

/**
 * Decodes JPEG, PNG or WebP bytes to RGB, applying EXIF orientation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage } from "./decode.ts";
 * const bytes = await Deno.readFile("data/samples/sample1.jpg");
 * const photo = await decodeImage(bytes, { label: "sample1.jpg" });
 * assert.equal(photo.data.length, photo.width * photo.height * 3);
 * await assert.rejects(decodeImage(new Uint8Array(0)), /image: file is empty/);
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<RgbImage> {
  const label = options.label ?? "image";
  const maxPixels = options.maxPixels ?? MAX_PIXELS;
  if (bytes.byteLength === 0) throw new UserError(`${label}: file is empty (0 bytes)`);
  const format = sniffFormat(bytes);
  if (!format) {
    throw new UserError(`${label}: not a JPEG, PNG or WebP image (unrecognised content)`);
  }
  let metadata: sharp.Metadata;
  try {
    // Reads only the header: the pixel limit is checked before any full decode.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new UserError(`${label}: corrupt ${format.toUpperCase()} header (${firstLine(error)})`);
  }
  const { width, height } = metadata;
  if (!width || !height) throw new UserError(`${label}: image has no dimensions`);
  if (width * height > maxPixels) {
    const mp = (width * height / 1e6).toFixed(1);
    throw new UserError(
      `${label}: image is ${width}x${height} (${mp} megapixels), over the limit of ${
        maxPixels / 1e6
      } megapixels`,
    );
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: "error", limitInputPixels: maxPixels })
      .rotate()
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    throw new UserError(
      `${label}: corrupt or truncated ${format.toUpperCase()} (${firstLine(error)})`,
    );
  }
}

/** Recognises JPEG, PNG and WebP by their magic bytes; returns undefined for anything else. */
export function sniffFormat(bytes: Uint8Array): typeof SUPPORTED_FORMATS[number] | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpeg";
  }
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "png";
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  return undefined;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0].trim();
}
