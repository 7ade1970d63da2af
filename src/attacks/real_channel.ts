/**
 * Real re-encodings for BPDA (Athalye, Carlini and Wagner, "Obfuscated Gradients Give a
 * False Sense of Security", ICML 2018): the forward pass sees the photo exactly as a real
 * JPEG encoder (libjpeg via sharp), optionally after a real downscale and upscale, leaves
 * it; the backward pass treats that channel as the identity. The approximation error is
 * only in the gradient, never in what the detectors are judged on.
 */
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../random.ts";
import type { RgbImage } from "../image/rgb_image.ts";

/** One real channel: JPEG quality and an optional rescale with a resampling kernel. */
export interface RealChannel {
  /** JPEG quality 1..100. */
  quality: number;
  /** Downscale factor before scaling back (1 = none). */
  scale: number;
  /** libvips kernel for the downscale. */
  kernel: "nearest" | "linear" | "cubic" | "lanczos3";
}

/** Draws a channel: quality and scale uniformly within the ranges, a random kernel. */
export function sampleRealChannel(
  random: Random,
  quality: [number, number],
  scale: [number, number],
): RealChannel {
  const kernels = ["nearest", "linear", "cubic", "lanczos3"] as const;
  return {
    quality: random.int(quality[0], quality[1]),
    scale: random.uniform(scale[0], scale[1]),
    kernel: kernels[random.int(0, kernels.length - 1)],
  };
}

/** Sends an image through the channel and returns what comes out, same size. */
export async function applyRealChannel(image: RgbImage, channel: RealChannel): Promise<RgbImage> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  let pipeline = sharp(image.data, { raw });
  if (channel.scale < 0.99) {
    const width = Math.max(1, Math.round(image.width * channel.scale));
    const small = await pipeline.resize({ width, kernel: channel.kernel }).raw().toBuffer({
      resolveWithObject: true,
    });
    pipeline = sharp(small.data, { raw: { ...small.info, channels: 3 } })
      .resize({ width: image.width, height: image.height, fit: "fill" });
  }
  // Huffman optimisation is lossless and 6x the encoding time at full resolution.
  const jpeg = await pipeline.jpeg({ quality: channel.quality, optimiseCoding: false }).toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== image.width || info.height !== image.height) {
    throw new Error(`channel changed the size to ${info.width}x${info.height}`);
  }
  // A view, not a copy: the decoded buffer is ours alone (a 7 MB copy took up to 50 ms).
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * Straight-through composition: the value of `target`, the gradient of `x`. Used as
 * x + stopGradient(target - x), which tfjs has no op for.
 */
export const straightThrough = tf.customGrad((_x, target) => {
  const t = target as tf.Tensor;
  return {
    value: t.clone() as unknown as tf.Tensor4D,
    gradFunc: (dy) => [dy as tf.Tensor, tf.zerosLike(t)],
  };
}) as unknown as (x: tf.Tensor4D, target: tf.Tensor4D) => tf.Tensor4D;
