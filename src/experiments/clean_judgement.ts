/**
 * What a sweep knows of a clean photo before attacking it: the photo (scaled to the
 * config's maxSide) and, after each channel, its reference faces and how many of them each
 * judge finds. Every checkpoint of the attack is judged against this.
 */
import { readImage } from "../image/decode.ts";
import { applyChannel } from "../image/channels.ts";
import { resizeToWidth } from "../image/resize.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { loadDetector } from "../detectors/registry.ts";
import { matchFaces } from "../metrics/detection.ts";
import { referenceFacesOf } from "../evaluation/evaluate_pair.ts";
import type { Face } from "../detectors/types.ts";
import type { SweepConfig } from "./sweep_config.ts";

/** What the clean photo shows after each channel: reference faces and each judge's matches. */
export interface CleanJudgement {
  /** The clean photo as attacked. */
  image: RgbImage;
  /** Per channel: reference face boxes and the reference faces each judge matched. */
  perChannel: Map<string, { reference: Face["box"][]; cleanMatched: Map<string, number> }>;
}

/** Reads a photo, downscaled so its long side is at most `maxSide` when given. */
export async function loadScaled(path: string, maxSide?: number): Promise<RgbImage> {
  const image = await readImage(path);
  if (!maxSide || Math.max(image.width, image.height) <= maxSide) return image;
  const scale = maxSide / Math.max(image.width, image.height);
  return await resizeToWidth(image, Math.round(image.width * scale));
}

/** Judges the clean photo at `path` on every channel by every judge of the config. */
export async function judgeClean(path: string, config: SweepConfig): Promise<CleanJudgement> {
  const image = await loadScaled(path, config.maxSide);
  const perChannel = new Map();
  for (const channel of config.channels) {
    const seen = await applyChannel(image, channel);
    const reference = await referenceFacesOf(seen);
    const cleanMatched = new Map<string, number>();
    for (const id of config.judges) {
      cleanMatched.set(id, matchFaces(reference, await (await loadDetector(id)).detect(seen)).size);
    }
    perChannel.set(channel, { reference, cleanMatched });
  }
  return { image, perChannel };
}
