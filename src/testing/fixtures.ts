/**
 * Shared helpers for tests: sample photos, resized copies, and backend switching.
 */
import { resizeToWidth } from "../image/resize.ts";
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

/** Resizes an image (Lanczos-3) so tests on slow backends stay small. */
export function resizeImage(image: RgbImage, width: number): Promise<RgbImage> {
  return resizeToWidth(image, width);
}
