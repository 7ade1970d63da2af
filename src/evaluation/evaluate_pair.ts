/**
 * Judging a protected photo against its clean original: image quality, and for every
 * detector and channel how many of the reference faces it still finds.
 */
import { applyChannel } from "../image/channels.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { loadDetector } from "../detectors/registry.ts";
import { detectionRate, matchFaces, referenceFaces } from "../metrics/detection.ts";
import { type ImageQuality, imageQuality } from "../metrics/image_quality.ts";
import type { Face } from "../detectors/types.ts";

/** One detector on one channel. */
export interface DetectionResult {
  /** Detector id. */
  detector: string;
  /** Channel name. */
  channel: string;
  /** Reference faces the detector finds in the clean photo after the channel. */
  clean_faces: number;
  /** Boxes the detector reports on the protected photo after the channel (any, matched or not). */
  protected_faces: number;
  /** Reference faces the detector finds on the protected photo after the channel. */
  matched: number;
  /** matched / clean_faces; null when the detector found no reference face in the clean photo. */
  detection_rate: number | null;
}

/** Quality and detection results for a clean/protected pair. */
export interface PairEvaluation extends ImageQuality {
  /** Number of reference faces in the clean photo (identity channel). */
  reference_faces: number;
  /** One entry per detector x channel. */
  results: DetectionResult[];
}

/**
 * The detectors whose agreement defines a photo's reference faces: the four that were
 * white-box when the metric was defined. A fixed list, so that making another detector
 * differentiable does not change what every stored row was measured against.
 */
export const REFERENCE_DETECTOR_IDS: readonly string[] = [
  "blazeface-back",
  "blazeface-front",
  "mediapipe-full",
  "faceapi-ssd",
];

/** Reference faces: where the reference detectors agree on the clean photo. */
export async function referenceFacesOf(image: RgbImage): Promise<Face["box"][]> {
  const detections: Face[][] = [];
  for (const id of REFERENCE_DETECTOR_IDS) {
    detections.push(await (await loadDetector(id)).detect(image));
  }
  return referenceFaces(detections);
}

/** Evaluates a protected photo against its clean original. */
export async function evaluatePair(
  clean: RgbImage,
  protectedImage: RgbImage,
  channels: string[],
  detectorIds: string[],
  onProgress?: (message: string) => void,
): Promise<PairEvaluation> {
  if (clean.width !== protectedImage.width || clean.height !== protectedImage.height) {
    throw new RangeError(
      `clean is ${clean.width}x${clean.height} but protected is ${protectedImage.width}x${protectedImage.height}`,
    );
  }
  const results: DetectionResult[] = [];
  let referenceCount = 0;
  for (const channel of channels) {
    const cleanSeen = await applyChannel(clean, channel);
    const protectedSeen = await applyChannel(protectedImage, channel);
    // References are found again after the channel, so their boxes share its geometry.
    const reference = await referenceFacesOf(cleanSeen);
    if (channel === "identity") referenceCount = reference.length;
    for (const id of detectorIds) {
      const detector = await loadDetector(id);
      const onClean = matchFaces(reference, await detector.detect(cleanSeen)).size;
      const found = await detector.detect(protectedSeen);
      const matched = matchFaces(reference, found).size;
      results.push({
        detector: id,
        channel,
        clean_faces: onClean,
        protected_faces: found.length,
        matched,
        detection_rate: detectionRate(onClean, matched) ?? null,
      });
    }
    onProgress?.(`channel ${channel} done`);
  }
  if (!channels.includes("identity")) referenceCount = (await referenceFacesOf(clean)).length;
  return {
    ...imageQuality(clean, protectedImage),
    reference_faces: referenceCount,
    results,
  };
}
