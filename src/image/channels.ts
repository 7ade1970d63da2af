/**
 * Channels: what happens to a photo after it leaves its owner, as real encoders and
 * resamplers. Stable names used on the command line and in result rows:
 * `identity`, `jpeg95`, `jpeg85`, `jpeg75`, `jpeg50`, `half-area`, `half-lanczos`,
 * `social` (longest side to 2048 if larger, then JPEG 85), composed with "+"
 * (e.g. `half-area+jpeg75`, applied left to right).
 */
import sharp from "sharp";
import { UserError } from "../errors.ts";
import { decodeImage } from "./decode.ts";
import { encodeImage } from "./encode.ts";
import type { RgbImage } from "./rgb_image.ts";
import { resizeToWidth } from "./resize.ts";

/** The single-step channels by name. */
export const CHANNEL_STEPS = [
  "identity",
  "jpeg95",
  "jpeg85",
  "jpeg75",
  "jpeg50",
  "half-area",
  "half-lanczos",
  "social",
] as const;

/** Checks a channel name (possibly composed); throws a UserError naming the bad part. */
export function parseChannel(name: string): string[] {
  const steps = name.split("+").map((s) => s.trim());
  for (const step of steps) {
    if (!(CHANNEL_STEPS as readonly string[]).includes(step)) {
      throw new UserError(
        `unknown channel "${step}" in "${name}"; choose from ${
          CHANNEL_STEPS.join(", ")
        }, joined with +`,
      );
    }
  }
  return steps;
}

/** Sends an image through a (possibly composed) channel. */
export async function applyChannel(image: RgbImage, name: string): Promise<RgbImage> {
  let current = image;
  for (const step of parseChannel(name)) current = await applyStep(current, step);
  return current;
}

async function applyStep(image: RgbImage, step: string): Promise<RgbImage> {
  if (step === "identity") return image;
  const jpeg = step.match(/^jpeg(\d+)$/);
  if (jpeg) return await reencodeJpeg(image, Number(jpeg[1]));
  if (step === "half-area") return halveByArea(image);
  if (step === "half-lanczos") {
    return await resizeToWidth(image, Math.max(1, Math.round(image.width / 2)), "lanczos3");
  }
  // social: what large platforms typically do to an upload.
  const resized = Math.max(image.width, image.height) > 2048
    ? await fitLongSide(image, 2048)
    : image;
  return await reencodeJpeg(resized, 85);
}

// Lanczos-3 to a long side of exactly `side`, the scale taken from that side: sized by
// width, a 1600x2400 portrait was scaled by 1365/1600 rather than 2048/2400.
async function fitLongSide(image: RgbImage, side: number): Promise<RgbImage> {
  const target = image.width >= image.height ? { width: side } : { height: side };
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  }).resize({ ...target, kernel: "lanczos3" }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

async function reencodeJpeg(image: RgbImage, quality: number): Promise<RgbImage> {
  return decodeImage(await encodeImage(image, "jpeg", { quality, transient: true }));
}

/** Downscales by 2 with a 2x2 box (area) filter, rounding half up; odd edges are dropped. */
export function halveByArea(image: RgbImage): RgbImage {
  const width = Math.max(1, Math.floor(image.width / 2));
  const height = Math.max(1, Math.floor(image.height / 2));
  const out = new Uint8Array(width * height * 3);
  const src = image.data;
  const stride = image.width * 3;
  for (let y = 0; y < height; y++) {
    const row0 = 2 * y * stride;
    const row1 = Math.min(2 * y + 1, image.height - 1) * stride;
    for (let x = 0; x < width; x++) {
      const c0 = 2 * x * 3;
      const c1 = Math.min(2 * x + 1, image.width - 1) * 3;
      for (let c = 0; c < 3; c++) {
        const sum = src[row0 + c0 + c] + src[row0 + c1 + c] + src[row1 + c0 + c] +
          src[row1 + c1 + c];
        out[(y * width + x) * 3 + c] = (sum + 2) >> 2;
      }
    }
  }
  return { width, height, data: out };
}
