/**
 * Boxes from face-api's TinyFaceDetector output, decoded as face-api's
 * TinyYolov2Base.extractBoxes does (YOLOv2's cell offsets and anchor scaling), in the
 * source image's pixels. Lets the differentiable path be checked against face-api's own
 * detection, and shows where the cells that still see a face are.
 */
import type { Face } from "./types.ts";

/** Where the network's output came from. */
export interface TinyDecodeOptions {
  /** Anchor sizes [width, height] in cells, in output order. */
  anchors: readonly (readonly [number, number])[];
  /** The square network input (608 for EqualAIs). */
  inputSize: number;
  /** The source image's width in pixels. */
  imageWidth: number;
  /** The source image's height in pixels. */
  imageHeight: number;
  /** Candidates need a score above this (face-api: strictly above). */
  scoreThreshold: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Candidate faces, before non-max suppression, from one image's raw output
 * ([cells, cells, anchors x 5] values, row-major: x, y, w, h, objectness per anchor).
 */
export function decodeTinyBoxes(raw: ArrayLike<number>, options: TinyDecodeOptions): Face[] {
  const { anchors, inputSize, imageWidth, imageHeight, scoreThreshold } = options;
  const perCell = anchors.length * 5;
  const cells = Math.round(Math.sqrt(raw.length / perCell));
  if (cells * cells * perCell !== raw.length) {
    throw new RangeError(`decodeTinyBoxes: ${raw.length} values are not a square grid`);
  }
  // face-api's computeReshapedDimensions: the image scaled so its longer side is the
  // input, rounded; boxes are relative to that, then scaled to the image.
  const scale = inputSize / Math.max(imageWidth, imageHeight);
  const correctionX = inputSize / Math.round(imageWidth * scale);
  const correctionY = inputSize / Math.round(imageHeight * scale);
  const faces: Face[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let anchor = 0; anchor < anchors.length; anchor++) {
        const at = ((row * cells + col) * anchors.length + anchor) * 5;
        const score = sigmoid(raw[at + 4]);
        if (!(score > scoreThreshold)) continue;
        const centreX = ((col + sigmoid(raw[at])) / cells) * correctionX;
        const centreY = ((row + sigmoid(raw[at + 1])) / cells) * correctionY;
        const width = ((Math.exp(raw[at + 2]) * anchors[anchor][0]) / cells) * correctionX;
        const height = ((Math.exp(raw[at + 3]) * anchors[anchor][1]) / cells) * correctionY;
        faces.push({
          box: [
            (centreX - width / 2) * imageWidth,
            (centreY - height / 2) * imageHeight,
            width * imageWidth,
            height * imageHeight,
          ],
          score,
        });
      }
    }
  }
  return faces;
}
