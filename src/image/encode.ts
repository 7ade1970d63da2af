/**
 * Encoding photos (PNG, JPEG, WebP by file extension) with sharp, and writing files so
 * that a failure never leaves a partial file behind. Nothing of the input's metadata is
 * copied: sharp writes none unless asked, so GPS positions and camera serials are gone.
 */
import sharp from "sharp";
import { UserError } from "../errors.ts";
import type { RgbImage } from "./rgb_image.ts";
import { decodeImage } from "./decode.ts";

/** Output formats. */
export type OutputFormat = "png" | "jpeg" | "webp";

/** Encoder settings. */
export interface EncodeOptions {
  /** JPEG/WebP quality 1..100 (default 95: protection should not be lost to our own encoder). */
  quality?: number;
  /** EXIF to write, by IFD (IFD0, IFD2 = Exif, IFD3 = GPS); nothing of the input's is kept. */
  exif?: sharp.Exif;
  /** An XMP packet to write. */
  xmp?: string;
  /**
   * The bytes are only decoded again (re-encoding checks, robust attacks): skip JPEG's
   * Huffman optimisation and use PNG's fastest compression. Both are lossless stages, so
   * the decoded pixels are the same; encoding a 1920x1280 JPEG drops from ~120 to ~18 ms.
   */
  transient?: boolean;
  /**
   * JPEG chroma resolution: "4:2:0" (default; what cameras, browsers and social networks
   * write) halves colour in both directions, "4:4:4" keeps it whole.
   */
  chroma?: "4:2:0" | "4:4:4";
}

/**
 * The chroma resolution of a file EqualAIs writes at `quality`. At 90 and above a person
 * asked for a faithful copy, and halving colour costs more than the quantisation does: on a
 * VOC photo at q95, SSIM against the input was 0.969 with 4:2:0 and 0.992 with 4:4:4 (the
 * file 30% larger). Below 90 the smaller file wins, as in every common encoder.
 */
export function outputChroma(quality: number): "4:2:0" | "4:4:4" {
  return quality >= 90 ? "4:4:4" : "4:2:0";
}

/**
 * The format implied by a file name's extension; throws a UserError for others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFromPath } from "./encode.ts";
 * assert.equal(formatFromPath("out/photo.JPG"), "jpeg");
 * assert.equal(formatFromPath("out/photo.png"), "png");
 * assert.throws(() => formatFromPath("out/photo.gif"), /must end in \.png/);
 * ```
 */
export function formatFromPath(path: string): OutputFormat {
  const ext = path.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (ext === "png") return "png";
  if (ext === "jpg" || ext === "jpeg") return "jpeg";
  if (ext === "webp") return "webp";
  throw new UserError(`${path}: output must end in .png, .jpg, .jpeg or .webp`);
}

/**
 * Encodes an image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage } from "./decode.ts";
 * import { encodeImage } from "./encode.ts";
 * const image = { width: 4, height: 4, data: new Uint8Array(48).fill(128) };
 * const png = await encodeImage(image, "png");
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * assert.deepEqual(await decodeImage(png), image); // lossless
 * ```
 */
export async function encodeImage(
  image: RgbImage,
  format: OutputFormat,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const quality = options.quality ?? 95;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new UserError(`quality must be a whole number from 1 to 100, got ${quality}`);
  }
  const pipeline = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  if (options.exif) pipeline.withExif(options.exif);
  if (options.xmp) pipeline.withXmp(options.xmp);
  const transient = options.transient ?? false;
  const chroma = options.chroma ?? "4:2:0";
  if (chroma !== "4:2:0" && chroma !== "4:4:4") {
    throw new UserError(`JPEG chroma must be "4:2:0" or "4:4:4", got ${String(chroma)}`);
  }
  const encoded = format === "png"
    ? pipeline.png({ compressionLevel: transient ? 1 : 6 })
    : format === "jpeg"
    ? pipeline.jpeg({ quality, chromaSubsampling: chroma, optimiseCoding: !transient })
    : pipeline.webp({ quality });
  const buffer = await encoded.toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Encodes a photo the way EqualAIs writes its output: at `quality`, with the chroma
 * `outputChroma` picks for it. Every check of "the written file" goes through here, so
 * the checks and the file cannot drift apart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeAsWritten } from "./encode.ts";
 * const image = { width: 4, height: 4, data: new Uint8Array(48).fill(128) };
 * const jpeg = await encodeAsWritten(image, "jpeg", 95); // 4:4:4 chroma at q >= 90
 * assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]); // JPEG magic bytes
 * ```
 */
export function encodeAsWritten(
  image: RgbImage,
  format: OutputFormat,
  quality: number,
  extra: Pick<EncodeOptions, "exif" | "xmp" | "transient"> = {},
): Promise<Uint8Array> {
  return encodeImage(image, format, { ...extra, quality, chroma: outputChroma(quality) });
}

/**
 * The pixels the file `encodeAsWritten` makes decodes to. PNG is lossless: the same
 * pixels, nothing encoded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asWritten } from "./encode.ts";
 * import { psnr } from "../metrics/psnr.ts";
 * const ramp = Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) % 16 * 16);
 * const image = { width: 16, height: 16, data: ramp };
 * assert.equal(await asWritten(image, "png", 95), image);
 * const jpeg = await asWritten(image, "jpeg", 95);
 * assert.ok(psnr(image, jpeg) > 40);
 * ```
 */
export async function asWritten(
  image: RgbImage,
  format: OutputFormat,
  quality: number,
): Promise<RgbImage> {
  if (format === "png") return image;
  return decodeImage(await encodeAsWritten(image, format, quality, { transient: true }));
}

/**
 * Encodes as JPEG at `quality` and decodes again: what re-sharing a photo does to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jpegRoundTrip } from "./encode.ts";
 * import { psnr } from "../metrics/psnr.ts";
 * const ramp = Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) % 16 * 16);
 * const image = { width: 16, height: 16, data: ramp };
 * const shared = await jpegRoundTrip(image, 50);
 * assert.equal(shared.width, 16);
 * assert.ok(psnr(image, shared) > 35 && psnr(image, shared) < Infinity);
 * ```
 */
export async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  return decodeImage(await encodeImage(image, "jpeg", { quality, transient: true }));
}

/**
 * Writes bytes to `path` through a temporary file in the same folder and a rename, so
 * readers never see a partial file and a failed write leaves nothing behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./encode.ts";
 * const path = await Deno.makeTempFile({ suffix: ".png" });
 * await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
 * await Deno.remove(path);
 * const missing = writeFileAtomic("no/such/folder/a.png", new Uint8Array(1));
 * await assert.rejects(missing, /folder does not exist/);
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const name = path.slice(slash + 1);
  const temp = `${dir}/.${name}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(temp, bytes, { createNew: true });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    if (error instanceof Deno.errors.NotFound) {
      throw new UserError(`${path}: folder does not exist`);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new UserError(`${path}: permission denied`);
    }
    throw new UserError(`${path}: cannot be written (${(error as Error).message})`);
  }
}
