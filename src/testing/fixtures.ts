/**
 * Shared helpers for tests: sample photos, resized copies, and backend switching.
 */
import sharp from "sharp";
import { SAMPLES_DIR } from "../paths.ts";
import { readImage } from "../image/decode.ts";
import type { RgbImage } from "../image/rgb_image.ts";

/** Paths of the six bundled sample photos. */
export const SAMPLE_PATHS: readonly string[] = [1, 2, 3, 4, 5, 6].map((i) =>
  `${SAMPLES_DIR}/sample${i}.jpg`
);

/** Reads a sample photo (1-based index). */
export function readSample(index: number): Promise<RgbImage> {
  return readImage(SAMPLE_PATHS[index - 1]);
}

/** Resizes an image with libvips (Lanczos) so tests on slow backends stay small. */
export async function resizeImage(image: RgbImage, width: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  }).resize({ width }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}
