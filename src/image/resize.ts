/** Resizing photos with libvips (sharp), keeping the aspect ratio. */
import sharp from "sharp";
import type { RgbImage } from "./rgb_image.ts";

/** Resizes to `width` pixels wide (height follows), Lanczos-3 unless another kernel is named. */
export async function resizeToWidth(
  image: RgbImage,
  width: number,
  kernel: "lanczos3" | "linear" | "cubic" | "nearest" = "lanczos3",
): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  }).resize({ width, kernel }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}
