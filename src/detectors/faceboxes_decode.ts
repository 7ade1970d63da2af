/**
 * FaceBoxes' post-processing as the deployed graph runs it, in plain TypeScript: the
 * softmax face score of each anchor, the box coder of TensorFlow's object detection API
 * (centre offsets and log sizes relative to the anchor, divided by scale factors), boxes
 * clipped to the padded canvas and then to the photo, and greedy non-max suppression.
 * The differentiable path ends before all this; decoding its outputs this way shows that
 * it computes what the graph computes (faceboxes_parity_test.ts).
 */
import { faceBoxesAnchors, faceBoxesPaddedSize } from "./faceboxes_anchors.ts";
import { nonMaxSuppression } from "./nms.ts";
import type { Face } from "./types.ts";

/** The graph's post-processing constants (read from its weights: they are stored as float16). */
export interface FaceBoxesCoder {
  /** Multipliers of the encoded centre offsets [y, x] (1 / 10 in float16). */
  centreScale: [number, number];
  /** Multipliers of the encoded log sizes [h, w] (1 / 5 in float16). */
  sizeScale: [number, number];
  /** IoU above which non-max suppression drops the lower-scoring box. */
  iouThreshold: number;
  /** Most boxes non-max suppression keeps. */
  maxBoxes: number;
}

/**
 * Faces from one image's raw outputs: class logits [anchors x 2] (background, face) and
 * box encodings [anchors x 4] (y, x, h, w) for a photo of height x width pixels, keeping
 * those whose face probability exceeds `threshold`; boxes in the photo's pixels.
 */
export function decodeFaceBoxes(
  logits: ArrayLike<number>,
  encodings: ArrayLike<number>,
  height: number,
  width: number,
  coder: FaceBoxesCoder,
  threshold: number,
): Face[] {
  const [paddedHeight, paddedWidth] = faceBoxesPaddedSize(height, width);
  const anchors = faceBoxesAnchors(paddedHeight, paddedWidth);
  const count = anchors.length / 4;
  if (logits.length !== count * 2 || encodings.length !== count * 4) {
    throw new Error(
      `faceboxes: ${logits.length / 2} class and ${encodings.length / 4} box outputs for ` +
        `${count} anchors of a ${height}x${width} photo`,
    );
  }
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  // The photo's share of the padded canvas: boxes are clipped to the canvas, then rescaled.
  const fy = paddedHeight / height;
  const fx = paddedWidth / width;
  const candidates: Face[] = [];
  for (let i = 0; i < count; i++) {
    // Softmax over (background, face), the face column.
    const score = 1 / (1 + Math.exp(logits[i * 2] - logits[i * 2 + 1]));
    if (!(score > threshold)) continue;
    const [ymin, xmin, ymax, xmax] = anchors.subarray(i * 4, i * 4 + 4);
    const ha = ymax - ymin;
    const wa = xmax - xmin;
    const cy = encodings[i * 4] * coder.centreScale[0] * ha + ymin + ha / 2;
    const cx = encodings[i * 4 + 1] * coder.centreScale[1] * wa + xmin + wa / 2;
    const h = Math.exp(encodings[i * 4 + 2] * coder.sizeScale[0]) * ha;
    const w = Math.exp(encodings[i * 4 + 3] * coder.sizeScale[1]) * wa;
    const top = clip(clip(cy - h / 2) * fy) * height;
    const left = clip(clip(cx - w / 2) * fx) * width;
    const bottom = clip(clip(cy + h / 2) * fy) * height;
    const right = clip(clip(cx + w / 2) * fx) * width;
    candidates.push({ box: [left, top, right - left, bottom - top], score });
  }
  // Only boxes above the threshold can suppress one above it: greedy NMS visits by score.
  return nonMaxSuppression(candidates, coder.iouThreshold, coder.maxBoxes);
}
